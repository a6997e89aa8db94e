// Custom search attributes Countersign's workflows set, so approvals and guardians can be listed and
// filtered (e.g. `CountersignApprovalStatus = "pending"`). Plain data, shared by the workflows (which
// may not import integrations/) and by whatever registers them: the embedded dev server passes them as
// `--search-attribute`, a production cluster needs `temporal operator search-attribute create`.
export const COUNTERSIGN_SEARCH_ATTRIBUTES = {
  CountersignSessionId: 'Keyword',
  CountersignHuman: 'Keyword',
  CountersignAgent: 'Keyword',
  CountersignTool: 'Keyword',
  CountersignApprovalStatus: 'Keyword',
  CountersignKind: 'Keyword',
} as const satisfies Record<string, SearchAttributeKind>;

/** Type names as the Temporal CLI and `operator search-attribute create --type` spell them. */
export type SearchAttributeKind = 'Text' | 'Keyword' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export type CountersignSearchAttribute = keyof typeof COUNTERSIGN_SEARCH_ATTRIBUTES;
