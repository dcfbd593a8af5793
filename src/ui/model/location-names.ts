// Names of backup locations (agents) as HA's backup pages show them (frontend `data/backup.ts`
// `computeBackupAgentName`): this system's own storage by a translated word, a network storage
// (Supervisor mount) by the name the user gave it, any other by its integration's title, with the
// agent's name added when that integration offers several locations. Pure: tested in Node.
import type { LocalizeFunc } from "../../common/localize.js";
import { isLocalAgent, isNetworkMountAgent, type BackupAgent } from "../../data/backup.js";

export interface LocationNaming {
  /** HA's word for the local agents ("This system"). */
  thisSystem: string;
  /** An integration's title ("Home Assistant Cloud"), or undefined when HA did not give one. */
  title(domain: string): string | undefined;
}

const domainOf = (agentId: string): string => agentId.split(".")[0]!;

export function agentName(agentId: string, agents: readonly BackupAgent[], naming: LocationNaming): string {
  if (isLocalAgent(agentId)) return naming.thisSystem;
  const domain = domainOf(agentId);
  // An agent HA no longer lists (a removed integration) keeps the part of its id after the domain.
  const name = agents.find((a) => a.agent_id === agentId)?.name ?? agentId.slice(domain.length + 1);
  if (isNetworkMountAgent(agentId)) return name;
  // Without a title HA shows the domain itself.
  const title = naming.title(domain) || domain;
  const several = agents.filter((a) => domainOf(a.agent_id) === domain).length > 1;
  return several ? `${title}: ${name}` : title;
}

/** Agent id → name as HA shows it, for every listed agent (the emergency kit's lists). */
export function locationNames(agents: readonly BackupAgent[], naming: LocationNaming): Record<string, string> {
  return Object.fromEntries(agents.map((a) => [a.agent_id, agentName(a.agent_id, agents, naming)]));
}

/**
 * The naming the panel and the card use: HA's own strings where they run inside HA (`hass.localize`
 * gives "" for a key it lacks), else ours and the titles HA answered (`fetchIntegrationTitles`).
 */
export function locationNaming(haLocalize: ((key: string) => string) | undefined, localize: LocalizeFunc, titles: Record<string, string> = {}): LocationNaming {
  return {
    thisSystem: haLocalize?.("ui.panel.config.backup.agents.local_agent") || localize("common.this_system"),
    title: (domain) => haLocalize?.(`component.${domain}.title`) || titles[domain] || undefined,
  };
}
