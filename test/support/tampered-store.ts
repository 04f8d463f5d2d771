// An ImageStore whose base files under a path prefix read differently from the engine's:
// one bit of every chunk flipped, in single reads and in directory walks alike. A base
// that differs from the one a delta was made against, for the tests of what a failed
// rebuild leaves behind.
import type { ImageStore, RootfsReader } from "../../src/images/types.ts";

function flipped(body: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  return (async function* () {
    for await (const c of body) {
      const copy = Buffer.from(c);
      copy[copy.length - 1]! ^= 1;
      yield copy;
    }
  })();
}

export function tamperedStore(store: ImageStore, prefix: string): ImageStore {
  return {
    inspect: (ref) => store.inspect(ref),
    save: (ref) => store.save(ref),
    load: (archive) => store.load(archive),
    ...(store.layers ? { layers: store.layers } : {}),
    openRootfs: async (id): Promise<RootfsReader> => {
      const real = await store.openRootfs(id);
      return {
        ...real,
        open: async (path) => {
          const body = await real.open(path);
          return path.startsWith(prefix) ? flipped(body) : body;
        },
        walk: (dir) =>
          (async function* () {
            for await (const e of real.walk(dir))
              yield e.body && e.path.startsWith(prefix) ? { ...e, body: flipped(e.body) } : e;
          })(),
      };
    },
  };
}
