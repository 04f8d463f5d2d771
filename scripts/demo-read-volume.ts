// Prints a file of a running service's container (the demo reads its named volume this
// way). Usage: node scripts/demo-read-volume.ts <app> <service> <path>
import { EngineClient } from "../src/engine/api/index.ts";
import { execIn } from "./lib/exec-in.ts";

const [app, service, file] = process.argv.slice(2);
const host = process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
const docker = new EngineClient({ socketPath: host.replace(/^unix:\/\//, "") });
process.stdout.write(await execIn(docker, app!, service!, ["cat", file!]));
