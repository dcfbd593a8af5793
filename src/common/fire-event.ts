// Typed DOM events, in the spirit of HA's `fireEvent` (src/common/dom/fire_event.ts): each module
// that fires an event declares its name and detail in `BkDomEvents`, so a typo in a name or a
// wrong detail is a type error at both ends. Events bubble and cross shadow roots by default.
declare global {
  // Filled in by the modules that fire events (declaration merging).
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface BkDomEvents {}
}

export type BkEventName = keyof BkDomEvents;

export function fireEvent<K extends BkEventName>(
  node: EventTarget,
  type: K,
  detail: BkDomEvents[K],
  options: { bubbles?: boolean; composed?: boolean; cancelable?: boolean } = {},
): CustomEvent<BkDomEvents[K]> {
  const event = new CustomEvent(type, { bubbles: options.bubbles ?? true, composed: options.composed ?? true, cancelable: options.cancelable ?? false, detail });
  node.dispatchEvent(event);
  return event;
}
