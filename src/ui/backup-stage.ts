// Names for the stages of a backup HA reports; a stage newer than our strings shows as HA sent it.
import type { LocalizeFunc } from "../common/localize.js";
import { keyIn } from "../common/localize.js";

export function stageText(t: LocalizeFunc, stage: string): string {
  const key = keyIn("flow.after.stage", stage);
  const text = t(key);
  return text === key ? stage.replace(/_/g, " ") : text;
}
