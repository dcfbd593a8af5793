// The real HA/SecureTar fixtures in ../shared/fixtures/ha-real and what is known about each
// (passwords from the fixtures' README, which cites the upstream tests).
export interface FixtureFacts {
  file: string;
  format: "v1" | "v2" | "v3" | "none";
  password: string | null;
  slug: string | null;
  /** Bare SecureTar archives (no backup.json) are never restorable backups. */
  damaged: boolean;
}

export const FIXTURES: FixtureFacts[] = [
  { file: "supervisor__test_consolidate.tar", format: "v2", password: "test", slug: "d9c48f8b", damaged: false },
  { file: "supervisor__test_consolidate_unc.tar", format: "none", password: null, slug: "d9c48f8b", damaged: false },
  { file: "supervisor__backup_example_enc.tar", format: "v2", password: "test", slug: "93b462f8", damaged: false },
  { file: "supervisor__backup_example_sec_v3.tar", format: "v3", password: "supervisor", slug: "f92f0339", damaged: false },
  { file: "supervisor__backup_example.tar", format: "none", password: null, slug: "7fed74c8", damaged: false },
  { file: "securetar__backup_empty.tar", format: "v3", password: "hunter2", slug: null, damaged: true },
  { file: "securetar__backup_no_final_tag.tar", format: "v3", password: "hunter2", slug: null, damaged: true },
];
