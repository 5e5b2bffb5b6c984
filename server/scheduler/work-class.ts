/**
 * Classes of model work. `vad`, `turn` (the end-of-turn model's features of a pause) and
 * `final` share the urgent tier (ordered by deadline between them): all sit on the path of a
 * turn's end. `partial` decoding only gets the slots the urgent tier leaves, so it is what
 * overload sheds first.
 */
export type WorkClass = 'vad' | 'turn' | 'final' | 'partial';

export const URGENT_TIER = 0;

export const WORK_TIER: Readonly<Record<WorkClass, number>> = { vad: URGENT_TIER, turn: URGENT_TIER, final: URGENT_TIER, partial: 1 };
