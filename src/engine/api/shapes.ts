// The engine's JSON shapes (request bodies and answers), as typed by @types/dockerode. A
// type-only import: erased when Node strips types, so no dockerode code is ever loaded (the
// package itself is not installed). Only these data shapes are borrowed; see client.ts.
export type {
  ContainerCreateOptions,
  ContainerInfo,
  ContainerInspectInfo,
  ExecCreateOptions,
  ExecInspectInfo,
  ImageDistributionInfo,
  ImageInfo,
  ImageInspectInfo,
  NetworkCreateOptions,
  NetworkInfo,
  NetworkInspectInfo,
  VolumeCreateOptions,
  VolumeInspectInfo,
} from "dockerode";
