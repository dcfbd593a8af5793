// Typed calls for the user and the instance's core config.
import type { HaConnection } from "./connection.js";

export interface CurrentUser {
  id: string;
  name: string;
  is_admin: boolean;
  is_owner: boolean;
}

export interface CoreConfig {
  location_name: string;
  version: string;
  time_zone: string;
  language?: string;
  components: string[];
}

export const fetchCurrentUser = (conn: HaConnection) => conn.sendMessagePromise<CurrentUser>({ type: "auth/current_user" });

export const fetchCoreConfig = (conn: HaConnection) => conn.sendMessagePromise<CoreConfig>({ type: "get_config" });

export const callService = (conn: HaConnection, domain: string, service: string, serviceData: Record<string, unknown>) =>
  conn.sendMessagePromise<unknown>({ type: "call_service", domain, service, service_data: serviceData });
