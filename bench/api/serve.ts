// The local API on 127.0.0.1:0 over a fake agent, in its own process for the benchmark.
// Prints {"port", "globalKey", "appKey"} on stdout; exits on SIGTERM.
//   node bench/api/serve.ts ['<limits JSON>']
import { APP_KEY, FakeController, GLOBAL_KEY } from "../../test/api/fake.ts";
import { ApiKeys } from "../../src/api/api-keys.ts";
import { createApiServer } from "../../src/api/server.ts";

const limits = process.argv[2] ? JSON.parse(process.argv[2]) : {};
const server = createApiServer({
  controller: new FakeController(),
  keys: ApiKeys.fromData({ global: GLOBAL_KEY, apps: { "1": APP_KEY } }),
  limits,
  log: (l) => process.stderr.write(`${l}\n`),
  host: () => ({ ipAddresses: ["127.0.0.1"], osVersion: "bench" }),
});
const [addr] = await server.listen([{ host: "127.0.0.1", port: 0 }]);
process.stdout.write(
  `${JSON.stringify({ port: addr!.port, globalKey: GLOBAL_KEY, appKey: APP_KEY })}\n`,
);
process.on("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
