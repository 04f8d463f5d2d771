// The engine client's public surface: import from here.
export {
  EngineClient,
  Network,
  Volume,
  type BuildOptions,
  type EngineClientOptions,
  type Filters,
} from "./client.ts";
export {
  Container,
  Exec,
  type CallOptions,
  type ContainerChange,
  type LogsOptions,
} from "./container.ts";
export { Image, pullParams, type AuthConfig } from "./image.ts";
export { EngineApiError, EngineTimeoutError } from "./errors.ts";
export {
  DockerHostError,
  parseDockerHost,
  formatAddress,
  DEFAULT_DOCKER_HOST,
  type EngineAddress,
} from "./docker-host.ts";
export { FrameDecoder, demuxBuffer, demuxStream, type Frame } from "./demux.ts";
export { collectJsonLines, jsonLines, JsonLineError } from "./json-lines.ts";
export { MAX_API_VERSION } from "./transport.ts";
export type * from "./shapes.ts";
