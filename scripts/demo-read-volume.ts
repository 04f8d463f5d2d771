// Prints a file of a running service's container (the demo reads its named volume this
// way). Usage: node scripts/demo-read-volume.ts <app> <service> <path>
import Docker from "dockerode";

const [app, service, file] = process.argv.slice(2);
const host = process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
const docker = new Docker({ socketPath: host.replace(/^unix:\/\//, "") });
const [c] = await docker.listContainers({
  filters: {
    label: [`io.edgevisor.app=${app}`, `io.edgevisor.service=${service}`],
    status: ["running"],
  },
});
if (!c) throw new Error(`no running container for ${app}/${service}`);
const exec = await docker
  .getContainer(c.Id)
  .exec({ Cmd: ["cat", file!], AttachStdout: true, AttachStderr: true });
const stream = await exec.start({});
const chunks: Buffer[] = [];
await new Promise<void>((resolve, reject) => {
  stream.on("data", (b: Buffer) => chunks.push(b));
  stream.on("end", resolve);
  stream.on("error", reject);
});
// The exec stream is multiplexed: 8-byte frame headers before each payload.
const raw = Buffer.concat(chunks);
let out = "";
for (let i = 0; i + 8 <= raw.length;) {
  const len = raw.readUInt32BE(i + 4);
  out += raw.subarray(i + 8, i + 8 + len).toString("utf8");
  i += 8 + len;
}
process.stdout.write(out);
