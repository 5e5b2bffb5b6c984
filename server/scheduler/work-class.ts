/**
 * Classes of model work. `vad` and `final` share the urgent tier (ordered by deadline
 * between them): both sit on the path of a turn's end. `partial` decoding only gets the
 * slots the urgent tier leaves, so it is what overload sheds first.
 */
export type WorkClass = 'vad' | 'final' | 'partial';

export const URGENT_TIER = 0;

export const WORK_TIER: Readonly<Record<WorkClass, number>> = { vad: URGENT_TIER, final: URGENT_TIER, partial: 1 };
