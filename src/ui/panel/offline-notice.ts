// What the panel says about a dropped backup file, from the offline check's report: pure, so the
// rules are tested in Node. Only what is proven: damage outweighs any key result, a protected
// backup whose archives are gone is not "not encrypted", and "no key opens it" is said only when
// the keys were tried on some archive.
import type { BackupFileReport } from "../../backup-file/inspect.js";
import type { LocalizeFunc } from "../../common/localize.js";

export interface OfflineNotice {
  kind: "success" | "error" | "info";
  text: string;
  /** One reason per damaged archive. */
  details?: string[];
}

export function offlineCheckNotice(report: BackupFileReport, applied: { matched: number; generation: number | null }, name: string, t: LocalizeFunc): OfflineNotice {
  const keysTried = report.members.some((m) => m.keyChecked);
  let notice: OfflineNotice;
  if (!report.encrypted) notice = { kind: "info", text: t("panel.offline.unencrypted", { name }) };
  else if (report.openedBy === null) notice = { kind: "error", text: t("panel.offline.failed", { name }) };
  else if (applied.generation !== null) notice = { kind: "success", text: t("panel.offline.opened", { name, generation: applied.generation }) };
  else notice = { kind: "success", text: t("panel.offline.opened_unlisted", { name }) };
  if (report.damaged) {
    // The key result is kept where it is proven: not "not encrypted" for a protected backup whose
    // archives are gone, not "opens with no key" when no archive could be tried.
    const proven = report.encrypted ? keysTried : report.protectedFlag !== true;
    notice = {
      kind: "error",
      text: `${proven ? `${notice.text} ` : ""}${t("panel.offline.damaged", { name })}`,
      details: report.damage.map((d) => `${d.archive !== null ? `${d.archive}: ` : ""}${t(`errors.backup_file.damage.${d.code}`)}`),
    };
  }
  if (applied.matched === 0 && report.encrypted) notice = { ...notice, text: `${notice.text} ${t("panel.offline.not_listed")}` };
  return notice;
}
