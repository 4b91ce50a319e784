export interface ViewContext {
  /** The route's captured parts (an id). */
  params: string[];
  /** The fragment's query (#/jobs?status=failed). */
  query: URLSearchParams;
  /** Aborted when the user leaves the view: streams and timers stop with it. */
  signal: AbortSignal;
}

export type View = (root: HTMLElement, ctx: ViewContext) => void | Promise<void>;
