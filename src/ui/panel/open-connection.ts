// The standalone panel's own connection to HA (URL + long-lived token). Inside HA the panel uses
// `hass.connection`: the WebSocket client is loaded only here, on first use.
import type { Connection } from "home-assistant-js-websocket";
import type { ConnectRequest } from "./connect-form.js";

export async function openConnection(req: ConnectRequest): Promise<Connection> {
  const { createConnection, createLongLivedTokenAuth } = await import("home-assistant-js-websocket");
  return createConnection({ auth: createLongLivedTokenAuth(req.url, req.token) });
}
