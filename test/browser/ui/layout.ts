// "Nothing cut off": every element under `root` (through shadow roots) lies within `frame`
// horizontally. Elements inside a deliberately scrollable box (overflow-x auto/scroll) are skipped,
// since a data table may scroll; text may not.
export function cutOff(root: ParentNode, frame: Element): string[] {
  const box = frame.getBoundingClientRect();
  const out: string[] = [];
  const walk = (r: ParentNode, inScroller: boolean) => {
    for (const el of Array.from(r.children)) {
      const style = getComputedStyle(el);
      if (style.display === "none" || style.visibility === "hidden") continue;
      const rect = el.getBoundingClientRect();
      if (!inScroller && rect.width > 0 && (rect.right > box.right + 1 || rect.left < box.left - 1)) {
        out.push(
          `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${el.className && typeof el.className === "string" ? `.${el.className.trim().replace(/\s+/g, ".")}` : ""} [${Math.round(rect.left)}–${Math.round(rect.right)} outside ${Math.round(box.left)}–${Math.round(box.right)}]`,
        );
      }
      // The frame itself may scroll (a modal <dialog> does); what matters is what pokes out of it.
      const scroller = inScroller || (el !== frame && /(auto|scroll)/.test(style.overflowX));
      if (el.shadowRoot) walk(el.shadowRoot, scroller);
      walk(el, scroller);
    }
  };
  walk(root, false);
  return out;
}
