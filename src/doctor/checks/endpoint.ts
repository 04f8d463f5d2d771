// The fleet endpoint: resolve its name and make ONE bounded TCP connection to it. Nothing
// is sent. The URL comes from --endpoint / EDGEVISOR_ENDPOINT, else config.json apiEndpoint.
import { isIP } from "node:net";
import { validateConfigJson } from "../../guards/config-json.ts";
import { duration, errorText } from "../format.ts";
import type { Check, DoctorContext } from "../types.ts";
import { skip } from "../types.ts";

async function configuredEndpoint(
  ctx: DoctorContext,
): Promise<{ url: string; from: string } | undefined> {
  if (ctx.options.endpoint) return { url: ctx.options.endpoint, from: "--endpoint" };
  const path = ctx.options.configJsonPath;
  const text = await ctx.host.readText(path, ctx.signal);
  const api = text === undefined ? undefined : validateConfigJson(text, path).config?.apiEndpoint;
  return api ? { url: api, from: `${path} apiEndpoint` } : undefined;
}

export const endpointCheck: Check = {
  id: "endpoint",
  title: "Fleet endpoint",
  async run(ctx) {
    const configured = await configuredEndpoint(ctx);
    if (!configured)
      return skip(
        "none configured",
        "No fleet endpoint: neither --endpoint / EDGEVISOR_ENDPOINT nor a valid config.json apiEndpoint.",
        "Pass --endpoint https://… to check DNS and reachability of the fleet.",
      );
    let url: URL;
    try {
      url = new URL(configured.url);
    } catch {
      return {
        status: "fail",
        figure: `invalid URL '${configured.url}'`,
        detail: `The endpoint from ${configured.from} is not a URL.`,
        action: "Give the endpoint as https://host[:port].",
      };
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    const port = Number(url.port) || (url.protocol === "http:" ? 80 : 443);
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : await ctx.host.resolve(host, ctx.signal);
    } catch (e) {
      return {
        status: "fail",
        figure: `DNS: ${host} does not resolve`,
        detail: `Resolving ${host} (from ${configured.from}) failed: ${errorText(e)}`,
        action:
          "Check the DNS servers (config.json dnsServers, /etc/resolv.conf) and the network link.",
      };
    }
    const address = addresses[0]!;
    const resolved = isIP(host) ? host : `${host} → ${address}`;
    try {
      const ms = await ctx.host.connect(address, port, ctx.options.connectTimeoutMs);
      return {
        status: "ok",
        figure: `${resolved}, TCP ${port} open in ${duration(ms)}`,
        detail: `Resolved and connected once to ${address}:${port} (from ${configured.from}); nothing was sent.`,
        action: "",
      };
    } catch (e) {
      return {
        status: "fail",
        figure: `${resolved}, TCP ${port} unreachable`,
        detail: `One connection to ${address}:${port} failed: ${errorText(e)}`,
        action:
          "Check the route, firewall (outbound TCP to the fleet) and any proxy between the device and the fleet.",
      };
    }
  },
};
