// Demo and test images are built locally: FROM scratch plus Debian's static busybox (no registry
// is reachable here). Each image can carry extra files, so tests can make images that
// differ by known bytes.
import { readFileSync } from "node:fs";
import { collectJsonLines, type EngineClient } from "../../src/engine/api/index.ts";
import { pack } from "tar-stream";

export interface TestImageSpec {
  tag: string;
  /** Extra files, path inside the image → content. */
  files?: Record<string, string | Buffer>;
  cmd?: string[];
  labels?: Record<string, string>;
  /** Extra Dockerfile lines appended after the files are copied. */
  extraLines?: string[];
}

const BUSYBOX = "/bin/busybox";

export async function buildTestImage(docker: EngineClient, spec: TestImageSpec): Promise<string> {
  const files = spec.files ?? {};
  const lines = [
    "FROM scratch",
    "COPY busybox /bin/busybox",
    'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
    "RUN mkdir -p /tmp /data /etc && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd",
  ];
  const entries = Object.entries(files);
  entries.forEach(([, _], i) => lines.push(`COPY f${i} /payload/f${i}`));
  entries.forEach(([dest], i) =>
    lines.push(`RUN mkdir -p "$(dirname '${dest}')" && mv /payload/f${i} '${dest}'`),
  );
  if (entries.length > 0) lines.push("RUN rmdir /payload");
  for (const [k, v] of Object.entries(spec.labels ?? {}))
    lines.push(`LABEL ${JSON.stringify(k)}=${JSON.stringify(v)}`);
  lines.push(...(spec.extraLines ?? []));
  lines.push(
    `CMD ${JSON.stringify(spec.cmd ?? ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"])}`,
  );

  const tar = pack();
  tar.entry({ name: "Dockerfile" }, `${lines.join("\n")}\n`);
  tar.entry({ name: "busybox", mode: 0o755 }, readFileSync(BUSYBOX));
  entries.forEach(([, content], i) => tar.entry({ name: `f${i}` }, content));
  tar.finalize();

  const stream = await docker.buildImage(tar as unknown as NodeJS.ReadableStream, {
    t: spec.tag,
    rm: true,
    forcerm: true,
  });
  const output = await collectJsonLines(stream);
  const failed = output.find((o) => typeof o === "object" && o !== null && "error" in o);
  if (failed) throw new Error(`building ${spec.tag} failed: ${JSON.stringify(failed)}`);
  const info = await docker.getImage(spec.tag).inspect();
  return info.Id;
}
