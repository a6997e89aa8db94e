// The incident tools. Annotations describe what each tool really does to the data file, because the gateway may use
// them to raise (never lower) a call's risk tier.
import * as z from 'zod';
import { defineTool, type DefinedTool, type ToolHints } from '../shared/tool-kit.ts';
import { NotFoundError, ToolError } from '../shared/tool-error.ts';
import { pause } from '../shared/pause.ts';
import { IncidentStatus, Severity, summarize, type Incident, type IncidentsFile, type TimelineEntry } from './model.ts';
import type { IncidentStore } from './store.ts';

/** Who the server records as the actor of a change; the gateway's identity assertion is not parsed here. */
const ACTOR = 'mcp-agent';

const READ: ToolHints = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

const IncidentId = z.string().min(1).max(40).describe('Incident id, e.g. "INC-1041"');

/** Where tools report noteworthy events; the stdio entry points this at stderr (stdout is the protocol channel). */
export type Log = (line: string) => void;

export function incidentTools(store: IncidentStore, log: Log = () => {}): DefinedTool[] {
  return [
    defineTool({
      name: 'search_incidents',
      title: 'Search incidents',
      description:
        'Find incidents whose id, title, service, summary or comments contain the query (case-insensitive), ' +
        'optionally filtered by status and severity. Returns short summaries, newest activity first.',
      input: z.object({
        query: z.string().max(200).optional().describe('Text to look for; omit to list everything'),
        status: IncidentStatus.optional().describe('Only incidents in this status'),
        severity: Severity.optional().describe('Only incidents of this severity'),
        limit: z.number().int().min(1).max(50).default(20),
      }),
      hints: READ,
      async run({ query, status, severity, limit }) {
        const needle = query?.trim().toLowerCase() ?? '';
        const matches = store
          .read()
          .incidents.filter((incident) => (status ? incident.status === status : true))
          .filter((incident) => (severity ? incident.severity === severity : true))
          .filter((incident) => needle === '' || searchableText(incident).includes(needle))
          .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
        return { total: matches.length, incidents: matches.slice(0, limit).map(summarize) };
      },
    }),

    defineTool({
      name: 'get_incident',
      title: 'Get incident',
      description: 'Return one incident with its comments and timeline.',
      input: z.object({ id: IncidentId }),
      hints: READ,
      async run({ id }) {
        return { incident: find(store.read(), id) };
      },
    }),

    defineTool({
      name: 'add_comment',
      title: 'Add comment to incident',
      description: 'Append a comment to an incident. Existing comments are never changed.',
      input: z.object({
        id: IncidentId,
        body: z.string().min(1).max(4000).describe('Comment text (plain text or Markdown)'),
        author: z.string().min(1).max(80).optional().describe('Shown as the comment author; defaults to the agent'),
      }),
      // Additive, but calling twice adds two comments: not idempotent.
      hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
      async run({ id, body, author = ACTOR }) {
        return store.update((data) => {
          const incident = find(data, id);
          const at = now();
          const comment = { id: `${incident.id}-C${incident.comments.length + 1}`, author, body, createdAt: at };
          incident.comments.push(comment);
          record(incident, { at, actor: author, event: 'comment', detail: body.slice(0, 200) });
          return { incidentId: incident.id, comment };
        });
      },
    }),

    defineTool({
      name: 'update_incident',
      title: 'Update incident',
      description:
        'Change the status, severity and/or assignee of an incident (assignee null unassigns). ' +
        'Use close_incident to close. Every change is recorded in the timeline with its old value.',
      input: z.object({
        id: IncidentId,
        status: IncidentStatus.exclude(['closed']).optional(),
        severity: Severity.optional(),
        assignee: z.string().min(1).max(80).nullable().optional().describe('User name, or null to unassign'),
      }),
      // Old values stay in the timeline, so nothing is lost; repeating the same update changes nothing more.
      hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      async run({ id, status, severity, assignee }) {
        if (status === undefined && severity === undefined && assignee === undefined) {
          throw new ToolError('INVALID_ARGUMENTS', 'Give at least one of status, severity or assignee');
        }
        return store.update((data) => {
          const incident = find(data, id);
          const at = now();
          const changes: TimelineEntry[] = [];
          if (status !== undefined && status !== incident.status) {
            changes.push({ at, actor: ACTOR, event: 'status', detail: `${incident.status} -> ${status}` });
            incident.status = status;
            delete incident.closedAt;
            delete incident.resolution;
          }
          if (severity !== undefined && severity !== incident.severity) {
            changes.push({ at, actor: ACTOR, event: 'severity', detail: `${incident.severity} -> ${severity}` });
            incident.severity = severity;
          }
          if (assignee !== undefined && assignee !== incident.assignee) {
            const detail = `${incident.assignee ?? 'unassigned'} -> ${assignee ?? 'unassigned'}`;
            changes.push({ at, actor: ACTOR, event: 'assigned', detail });
            incident.assignee = assignee;
          }
          for (const change of changes) record(incident, change);
          return { incident: summarize(incident), changes: changes.map((change) => change.detail) };
        });
      },
    }),

    defineTool({
      name: 'close_incident',
      title: 'Close incident',
      description: 'Close an incident with a resolution note. Closing an already closed incident changes nothing.',
      input: z.object({
        id: IncidentId,
        resolution: z.string().min(1).max(2000).describe('What fixed it, for the record'),
      }),
      // Reversible (update_incident can reopen it) and recorded in the timeline, so not destructive.
      hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      async run({ id, resolution }) {
        return store.update((data) => {
          const incident = find(data, id);
          if (incident.status === 'closed') return { incident: summarize(incident), alreadyClosed: true };
          const at = now();
          record(incident, { at, actor: ACTOR, event: 'closed', detail: resolution.slice(0, 200) });
          Object.assign(incident, { status: 'closed', closedAt: at, resolution } satisfies Partial<Incident>);
          return { incident: summarize(incident), alreadyClosed: false };
        });
      },
    }),

    defineTool({
      name: 'delete_incident',
      title: 'Delete incident',
      description: 'Permanently delete an incident together with its comments and timeline. This cannot be undone.',
      input: z.object({ id: IncidentId }),
      hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
      async run({ id }) {
        return store.update((data) => {
          const index = data.incidents.findIndex((incident) => incident.id === id);
          if (index < 0) throw new NotFoundError('Incident', id);
          const [removed] = data.incidents.splice(index, 1);
          return { deleted: id, title: removed?.title };
        });
      },
    }),

    defineTool({
      name: 'export_timeline',
      title: 'Export incident timeline',
      description:
        'Export the timeline of one incident (or of all incidents) in `steps` chunks, pausing `delayMs` per chunk ' +
        'and reporting progress after each. Stops early when cancelled and returns what was exported so far.',
      input: z.object({
        id: IncidentId.optional().describe('Incident to export; omit for every incident'),
        steps: z.number().int().min(1).max(100).default(5),
        delayMs: z.number().int().min(0).max(10_000).default(200),
      }),
      hints: READ,
      async run({ id, steps, delayMs }, ctx) {
        const data = store.read();
        const entries = (id ? [find(data, id)] : data.incidents)
          .flatMap((incident) => incident.timeline.map((entry) => ({ incidentId: incident.id, ...entry })))
          .sort((a, b) => a.at.localeCompare(b.at));
        const chunkSize = Math.ceil(entries.length / steps);
        const exported: typeof entries = [];
        let completed = 0;
        for (let step = 1; step <= steps; step++) {
          if (!(await pause(delayMs, ctx.signal))) break;
          exported.push(...entries.slice((step - 1) * chunkSize, step * chunkSize));
          completed = step;
          await ctx.progress(step, steps, `exported chunk ${step}/${steps}`);
        }
        if (completed < steps) log(`export_timeline cancelled after ${completed}/${steps} steps`);
        return {
          id: id ?? null,
          stepsRequested: steps,
          stepsCompleted: completed,
          complete: completed === steps,
          entries: exported,
        };
      },
    }),
  ];
}

function find(data: IncidentsFile, id: string): Incident {
  const incident = data.incidents.find((candidate) => candidate.id === id);
  if (!incident) throw new NotFoundError('Incident', id);
  return incident;
}

function record(incident: Incident, entry: TimelineEntry): void {
  incident.timeline.push(entry);
  incident.updatedAt = entry.at;
}

function searchableText(incident: Incident): string {
  const comments = incident.comments.map((comment) => comment.body).join(' ');
  return `${incident.id} ${incident.title} ${incident.service} ${incident.summary} ${comments}`.toLowerCase();
}

function now(): string {
  return new Date().toISOString();
}
