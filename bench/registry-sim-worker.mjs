// A worker thread's entry for `registry-sim-thread.ts`: Node 20 gives workers no `--import tsx`,
// so TypeScript is registered here.
import { register } from "tsx/esm/api";

register();
await import("./registry-sim-thread.ts");
