// One write to the store at a time, shared by several group committers, first-registered first.
// FerretDB serialises writers anyway (SQLite's busy handler sleeps 1, 2, 5, 10… ms on a taken
// lock instead of queueing), so a decision insert issued while an outcome insert is in flight
// waited for it and then some: p99 went from 39 ms to 102 ms in the measurements. With a lane,
// the decision batch (registered first: callers wait on it) goes next, and outcomes fill the gaps.
export interface LaneMember {
  /** Called when the lane frees up; the member takes it if it has a batch ready. */
  wake(): void;
}

export class WriteLane {
  private held = false;
  private readonly members: LaneMember[] = [];

  join(member: LaneMember): void {
    this.members.push(member);
  }

  /** A member checks this before taking the lane (and does nothing while it is held). */
  get busy(): boolean {
    return this.held;
  }

  acquire(): void {
    if (this.held) throw new Error('WriteLane.acquire: the lane is already held');
    this.held = true;
  }

  release(): void {
    this.held = false;
    for (const member of this.members) {
      member.wake();
      if (this.held) return;
    }
  }
}
