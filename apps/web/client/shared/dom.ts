/** A tiny element builder: the pages are small enough that a framework would outweigh them. */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

export function replaceChildren(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren();
  append(parent, children);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** "1 photo", "3 photos": a count with its noun in the right number. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function percent(fraction: number): number {
  return Math.floor(Math.max(0, Math.min(1, fraction)) * 100);
}

/** A native <progress>-like bar that screen readers announce. */
export function progressBar(label: string, testId: string): { el: HTMLElement; set(fraction: number, text: string): void } {
  const fill = h('div', { class: 'bar-fill' });
  const text = h('span', { class: 'bar-text' });
  const el = h('div', { class: 'bar', role: 'progressbar', 'aria-label': label, 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0, 'data-testid': testId }, fill, text);
  return {
    el,
    set(fraction, caption) {
      const value = percent(fraction);
      fill.style.width = `${value}%`;
      el.setAttribute('aria-valuenow', String(value));
      text.textContent = caption;
    },
  };
}

/** Positions a face box (ratios of the photo) over an image container. */
export function faceBox(box: { Left: number; Top: number; Width: number; Height: number }, className = 'face-box'): HTMLElement {
  const el = h('div', { class: className, 'aria-hidden': 'true' });
  el.style.left = `${box.Left * 100}%`;
  el.style.top = `${box.Top * 100}%`;
  el.style.width = `${box.Width * 100}%`;
  el.style.height = `${box.Height * 100}%`;
  return el;
}
