// The variables a service labelled io.balena.features.supervisor-api gets, so code written
// for balena finds the API where it expects to. The RESIN_ spellings are what supervisors
// before 7.22 set; older client code still reads them.
import type { ServiceSpec } from "../release/types.ts";

export const SUPERVISOR_API_FEATURE = "supervisor-api";

export function wantsSupervisorApi(service: Pick<ServiceSpec, "features">): boolean {
  return service.features.includes(SUPERVISOR_API_FEATURE);
}

export function supervisorEnv(o: {
  address: string;
  port: number;
  apiKey: string;
}): Record<string, string> {
  const host = o.address.includes(":") ? `[${o.address}]` : o.address;
  const vars = {
    SUPERVISOR_ADDRESS: `http://${host}:${o.port}`,
    SUPERVISOR_HOST: o.address,
    SUPERVISOR_PORT: String(o.port),
    SUPERVISOR_API_KEY: o.apiKey,
  };
  return Object.fromEntries(
    Object.entries(vars).flatMap(([k, v]) => [
      [`BALENA_${k}`, v],
      [`RESIN_${k}`, v],
    ]),
  );
}
