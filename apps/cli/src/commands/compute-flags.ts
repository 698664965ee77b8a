/** Flags every compute and market verb shares. */
export interface GlobalFlags {
  url?: string;
  apiKey?: string;
  json?: boolean;
}
