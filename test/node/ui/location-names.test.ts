// Locations are named as HA's backup pages name them (frontend `computeBackupAgentName`): a user
// who reads "Home Assistant Cloud" in HA and "cloud" here would wonder whether it is the same place.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BackupAgent } from "../../../src/data/backup.js";
import { agentRank } from "../../../src/data/backup.js";
import { localizeEnglish } from "../../../src/common/localize-english.js";
import { agentName, locationNames, locationNaming, type LocationNaming } from "../../../src/ui/model/location-names.js";

const titles: Record<string, string> = { cloud: "Home Assistant Cloud", google_drive: "Google Drive", webdav: "WebDAV" };
const naming: LocationNaming = { thisSystem: "This system", title: (d) => titles[d] };
const agents: BackupAgent[] = [
  { agent_id: "hassio.local", name: "local" },
  { agent_id: "hassio.my_nas", name: "my_nas" },
  { agent_id: "cloud.cloud", name: "cloud" },
  { agent_id: "webdav.01JABC", name: "Nextcloud" },
  { agent_id: "webdav.01JXYZ", name: "Hetzner box" },
  { agent_id: "kitchen_sink.syncer", name: "syncer" },
];

describe("location names", () => {
  it("this system's own storage is HA's word for it, with or without the Supervisor", () => {
    assert.equal(agentName("hassio.local", agents, naming), "This system");
    assert.equal(agentName("backup.local", [{ agent_id: "backup.local", name: "local" }], { ...naming, thisSystem: "Dieses System" }), "Dieses System");
  });

  it("a network storage is shown by the name the user gave it, as typed", () => {
    assert.equal(agentName("hassio.my_nas", agents, naming), "my_nas");
  });

  it("an integration with one location is its title; with several, title and location name", () => {
    assert.equal(agentName("cloud.cloud", agents, naming), "Home Assistant Cloud");
    assert.equal(agentName("webdav.01JABC", agents, naming), "WebDAV: Nextcloud");
    assert.equal(agentName("webdav.01JXYZ", agents, naming), "WebDAV: Hetzner box");
  });

  it("without a title from HA, the integration's domain, as HA shows it", () => {
    assert.equal(agentName("kitchen_sink.syncer", agents, naming), "kitchen_sink");
  });

  it("a location HA no longer lists keeps what its id says", () => {
    assert.equal(agentName("google_drive.gone", agents, naming), "Google Drive");
    assert.equal(agentName("hassio.old_share", agents, naming), "old_share");
  });

  it("the kit's names cover every listed location", () => {
    assert.deepEqual(locationNames(agents, naming), {
      "hassio.local": "This system",
      "hassio.my_nas": "my_nas",
      "cloud.cloud": "Home Assistant Cloud",
      "webdav.01JABC": "WebDAV: Nextcloud",
      "webdav.01JXYZ": "WebDAV: Hetzner box",
      "kitchen_sink.syncer": "kitchen_sink",
    });
  });

  it("HA's order: this system, then network storage, then the rest", () => {
    assert.deepEqual(
      ["cloud.cloud", "hassio.my_nas", "backup.local"].sort((a, b) => agentRank(a) - agentRank(b)),
      ["backup.local", "hassio.my_nas", "cloud.cloud"],
    );
  });

  it("inside HA, HA's own strings; standalone, ours and the titles HA answered", () => {
    const ha = (key: string) => ({ "ui.panel.config.backup.agents.local_agent": "Dieses System", "component.cloud.title": "Home Assistant Cloud" })[key] ?? "";
    const inside = locationNaming(ha, localizeEnglish, { webdav: "WebDAV" });
    assert.deepEqual([inside.thisSystem, inside.title("cloud"), inside.title("webdav"), inside.title("other")], ["Dieses System", "Home Assistant Cloud", "WebDAV", undefined]);
    const standalone = locationNaming(undefined, localizeEnglish, { cloud: "Home Assistant Cloud" });
    assert.deepEqual([standalone.thisSystem, standalone.title("cloud")], ["This system", "Home Assistant Cloud"]);
  });
});
