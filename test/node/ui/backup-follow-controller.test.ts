// The lifecycle controller the panel and the card share: it follows one connection at a time (a
// new connection ends the earlier round's subscription) and ends it when the element leaves the
// page, so a card removed from a dashboard keeps no subscription on HA.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { ReactiveController, ReactiveControllerHost } from "lit";
import type { ManagerStateEvent } from "../../../src/data/backup.js";
import { startSimulatedHA } from "../../../src/sim/main.js";
import { BackupFollowController } from "../../../src/ui/backup-follow-controller.js";
import { closeAfterTest, closeOpened, connectHA, within } from "../../support/ha-client.js";

afterEach(closeOpened);

/** Polls HA's command log until `cond` holds (bounded: fails within 5 s). */
const until = (cond: () => Promise<boolean>, what: string) =>
  within(
    (async () => {
      while (!(await cond())) await new Promise((r) => setTimeout(r, 5));
    })(),
    5000,
    what,
  );

/** The part of a Lit element the controller sees. */
function host(): ReactiveControllerHost & { controllers: ReactiveController[] } {
  const controllers: ReactiveController[] = [];
  return { controllers, addController: (c) => void controllers.push(c), removeController: () => undefined, requestUpdate: () => undefined, updateComplete: Promise.resolve(true) };
}

describe("the backup lifecycle controller", () => {
  it("follows one connection at a time and stops when its element leaves the page", async () => {
    const sim = closeAfterTest(await startSimulatedHA({ port: 0, backups: 1, stageDelayMs: 1 }));
    const a = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    const b = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    const unsubscribes = async () => ((await sim.control({ type: "command_log" })) as { type: string }[]).filter((l) => l.type === "unsubscribe_events").length;
    const el = host();
    const lifecycle = new BackupFollowController(el);
    assert.deepEqual(el.controllers, [lifecycle], "added to its element");

    const heard: Record<string, ManagerStateEvent[]> = { a: [], b: [] };
    const loads: string[] = [];
    const handlers = (name: "a" | "b") => ({
      onEvent: (ev: ManagerStateEvent) => void heard[name]!.push(ev),
      onAvailable: async () => {
        loads.push(name);
        return true;
      },
    });
    lifecycle.follow(a, handlers("a"));
    await lifecycle.following();
    assert.equal(lifecycle.connection, a);
    assert.deepEqual(loads, ["a"]);
    assert.ok(heard.a!.length >= 1, "the current state arrives first");

    const before = await unsubscribes();
    lifecycle.follow(b, handlers("b"));
    await lifecycle.following();
    assert.equal(lifecycle.connection, b);
    assert.deepEqual(loads, ["a", "b"]);
    await until(async () => (await unsubscribes()) === before + 1, "the first connection's subscription ended");

    el.controllers[0]!.hostDisconnected!();
    assert.equal(lifecycle.connection, null);
    await until(async () => (await unsubscribes()) === before + 2, "leaving the page ends the subscription");
  });
});
