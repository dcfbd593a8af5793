// The gzip check of archives read or written by the CLI, on node:zlib with 1 MiB out per call:
// Node's DecompressionStream inflates 16 KiB per thread-pool round trip, and those round trips
// were most of a v2 decrypt (a 256 MB profile: the main thread idle 967 of 1 426 ms).
import { Duplex } from "node:stream";
import { createGunzip } from "node:zlib";
import type { Inflate } from "../backup-file/archive-end.js";

export const nodeInflate: Inflate = () => Duplex.toWeb(createGunzip({ chunkSize: 1 << 20 })) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
