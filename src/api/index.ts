// Public API of the local API: the server factory, the key store, the container env.
export { createApiServer, DEFAULT_API_PORT } from "./server.ts";
export type { ApiServer, ApiServerOptions, ListenAddress } from "./server.ts";
export { ApiKeys, API_KEYS_FILE, generateApiKey } from "./api-keys.ts";
export type { ApiIdentity, ApiKeysData } from "./api-keys.ts";
export { supervisorEnv, wantsSupervisorApi, SUPERVISOR_API_FEATURE } from "./supervisor-env.ts";
export { DEFAULT_LIMITS, resolveLimits } from "./limits.ts";
export type { ApiLimits, ApiLimitsInput, BucketSpec } from "./limits.ts";
export type * from "./device-controller.ts";
