// Builds the demo's base image (FROM scratch + Debian's static busybox) on the engine at
// DOCKER_HOST. The demo's Dockerfiles start FROM it, since nothing can be pulled here.
import { EngineClient } from "../src/engine/api/index.ts";
import { buildTestImage } from "./lib/busybox-image.ts";

export const DEMO_BASE = "edgevisor-demo/busybox:1.36.1";

const host = process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
const docker = new EngineClient({ socketPath: host.replace(/^unix:\/\//, "") });
const id = await buildTestImage(docker, { tag: DEMO_BASE, cmd: ["sh"] });
console.log(`built ${DEMO_BASE} (${id.slice(0, 19)})`);
