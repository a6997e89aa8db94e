// The incident record as stored in the data file. The schema validates the file on every read, so a hand-edited or
// truncated file fails with a clear error instead of half-working.
import * as z from 'zod';

export const INCIDENT_STATUSES = ['open', 'investigating', 'mitigated', 'resolved', 'closed'] as const;
export const SEVERITIES = ['sev1', 'sev2', 'sev3', 'sev4'] as const;

export const IncidentStatus = z.enum(INCIDENT_STATUSES);
export const Severity = z.enum(SEVERITIES);

const Comment = z.object({
  id: z.string(),
  author: z.string(),
  body: z.string(),
  createdAt: z.string(),
});

const TimelineEntry = z.object({
  at: z.string(),
  actor: z.string(),
  event: z.string(),
  detail: z.string(),
});

export const Incident = z.object({
  id: z.string(),
  title: z.string(),
  service: z.string(),
  status: IncidentStatus,
  severity: Severity,
  assignee: z.string().nullable(),
  summary: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().optional(),
  resolution: z.string().optional(),
  comments: z.array(Comment),
  timeline: z.array(TimelineEntry),
});

export const IncidentsFile = z.object({ incidents: z.array(Incident) });

export type Incident = z.infer<typeof Incident>;
export type IncidentStatus = z.infer<typeof IncidentStatus>;
export type Severity = z.infer<typeof Severity>;
export type TimelineEntry = z.infer<typeof TimelineEntry>;
export type IncidentsFile = z.infer<typeof IncidentsFile>;

/** The short form search results return: enough to pick an incident, not its whole history. */
export function summarize(incident: Incident) {
  const { id, title, service, status, severity, assignee, updatedAt } = incident;
  return { id, title, service, status, severity, assignee, updatedAt };
}
