// Dev-server routes the browser tests use:
//   GET  /__fixtures/<file>        real HA backup fixtures, read from ../shared/fixtures/ha-real (never copied)
//   GET  /__built/<file>           a file of dist/ byte for byte, as text/plain (the dev server would
//                                  transform an .html file's inline scripts)
//   POST /__sim/start              starts a simulated Home Assistant (options as JSON body), returns its URL and tokens
//   POST /__sim/<id>/stop          stops it
//   POST /__sim/<id>/control       forwards a test-control action to it (fault injection, clock, key change …)
import { createReadStream, existsSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
export const fixturesDir = join(root, "..", "shared", "fixtures", "ha-real");

async function readJson(ctx) {
  const chunks = [];
  for await (const c of ctx.req) chunks.push(c);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : {};
}

export function testServicesPlugin() {
  const sims = new Map();
  let nextId = 1;
  let simModule;
  const loadSim = async () => (simModule ??= await import(pathToFileURL(join(root, "dist/node/sim.js")).href));
  return {
    name: "backup-keyring-test-services",
    async serve(ctx) {
      if (ctx.path.startsWith("/__fixtures/")) {
        const file = join(fixturesDir, basename(ctx.path));
        if (!existsSync(file)) return { status: 404, body: "no such fixture" };
        ctx.set("content-length", String(statSync(file).size));
        ctx.body = createReadStream(file);
        ctx.type = "application/x-tar";
        return undefined;
      }
      if (ctx.path.startsWith("/__built/")) {
        const file = join(root, "dist", basename(ctx.path));
        if (!existsSync(file)) return { status: 404, body: "not built" };
        ctx.set("content-length", String(statSync(file).size));
        ctx.body = createReadStream(file);
        ctx.type = "text/plain";
        return undefined;
      }
      return undefined;
    },
    /** Koa middleware for the config's `middleware` list (runs before the static file server). */
    async middleware(ctx, next) {
        if (!ctx.path.startsWith("/__sim/") || ctx.method !== "POST") return next();
        const parts = ctx.path.split("/").filter(Boolean);
        try {
          if (parts[1] === "start") {
            const { startSimulatedHA } = await loadSim();
            const sim = await startSimulatedHA({ port: 0, ...(await readJson(ctx)) });
            const id = String(nextId++);
            sims.set(id, sim);
            ctx.body = { id, url: sim.url, adminToken: sim.adminToken, userToken: sim.userToken };
          } else if (parts[2] === "stop") {
            await sims.get(parts[1])?.close();
            sims.delete(parts[1]);
            ctx.body = { ok: true };
          } else if (parts[2] === "control") {
            const sim = sims.get(parts[1]);
            if (!sim) throw new Error("unknown sim");
            ctx.body = { result: (await sim.control(await readJson(ctx))) ?? null };
          } else {
            ctx.status = 404;
          }
        } catch (err) {
          ctx.status = 500;
          ctx.body = { error: String(err?.message ?? err) };
        }
    },
    async serverStop() {
      await Promise.all([...sims.values()].map((s) => s.close()));
    },
  };
}
