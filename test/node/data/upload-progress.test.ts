import assert from "node:assert/strict";
import { test } from "node:test";
import { uploadProgress } from "../../../src/data/backup.js";

test("upload-progress events (HA 2026.4+) become a percentage; stage events are not progress", () => {
  assert.deepEqual(uploadProgress({ manager_state: "create_backup", agent_id: "cloud.cloud", uploaded_bytes: 512, total_bytes: 2048 }), { agentId: "cloud.cloud", percent: 25 });
  assert.deepEqual(uploadProgress({ manager_state: "create_backup", agent_id: "hassio.local", uploaded_bytes: 0, total_bytes: 0 }), { agentId: "hassio.local", percent: 100 });
  assert.equal(uploadProgress({ manager_state: "create_backup", stage: "upload_to_agents", state: "in_progress", reason: null }), null);
});
