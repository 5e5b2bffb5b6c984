import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../proto/errors.js';
import { AdmissionRefusal, CapacityAdmission, type AdmissionTicket, type CapacityAdmissionOptions } from './capacity-admission.js';

/** A clock the test moves by hand. */
function manualClock(start = 1000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function admission(overrides: Partial<CapacityAdmissionOptions> = {}) {
  const clock = manualClock();
  const gate = new CapacityAdmission({ concurrency: 2, maxUtilization: 0.75, channelCostCores: 0.25, now: clock.now, ...overrides });
  return { gate, clock };
}

/** Reserves one channel at a time until refused; returns the tickets and the refusal. */
function burst(gate: CapacityAdmission, attempts: number): { tickets: AdmissionTicket[]; refusals: unknown[] } {
  const tickets: AdmissionTicket[] = [];
  const refusals: unknown[] = [];
  for (let i = 0; i < attempts; i++) {
    try {
      tickets.push(gate.reserve(1));
    } catch (error) {
      refusals.push(error);
    }
  }
  return { tickets, refusals };
}

/** `channels` reserved for `windows` full measurement windows, doing `coresPerChannel` each of work. */
function runLoad(gate: CapacityAdmission, clock: ReturnType<typeof manualClock>, coresPerChannel: number, windowMs: number, windows: number) {
  for (let w = 0; w < windows; w++) {
    gate.recordWork(gate.reservedChannels * coresPerChannel * windowMs);
    clock.advance(windowMs);
  }
}

describe('CapacityAdmission', () => {
  it('admits a burst up to floor(capacity / estimate) channels and refuses the rest at once', () => {
    for (const [concurrency, maxUtilization, cost] of [
      [2, 0.75, 0.25],
      [2, 0.75, 0.1],
      [4, 0.8, 0.3],
      [1, 0.5, 0.2],
      [16, 0.9, 0.05],
    ] as const) {
      const { gate } = admission({ concurrency, maxUtilization, channelCostCores: cost });
      const { tickets, refusals } = burst(gate, 400);
      const expected = Math.floor((concurrency * maxUtilization) / cost + 1e-9);
      expect(tickets.length, `${concurrency} x ${maxUtilization} / ${cost}`).toBe(expected);
      expect(refusals.length).toBe(400 - expected);
      expect(gate.reservedChannels).toBe(expected);
      expect(gate.reservedCores).toBeCloseTo(expected * cost, 9);
      expect(gate.reservedCores).toBeLessThanOrEqual(gate.capacityCores + 1e-9);
    }
  });

  it('counts a multi-channel session as that many channels', () => {
    const { gate } = admission(); // 1.5 cores, 0.25 each: 6 channels
    gate.reserve(4);
    expect(() => gate.reserve(3)).toThrow(ParleyError);
    gate.reserve(2);
    expect(gate.reservedChannels).toBe(6);
    expect(() => gate.reserve(1)).toThrow(ParleyError);
  });

  it('refuses with capacity_exceeded, fatal, a readable message and a retry hint scaled by the overshoot', () => {
    const { gate } = admission({ retryAfterMs: 1000, retryAfterMaxScale: 3 });
    burst(gate, 6);
    let refusal: unknown;
    try {
      gate.reserve(1);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(ParleyError);
    expect(refusal).toBeInstanceOf(AdmissionRefusal);
    const e = refusal as AdmissionRefusal;
    expect(e.code).toBe('capacity_exceeded');
    expect(e.fatal).toBe(true);
    expect(e.reason).toBe('reserved');
    expect(e.message).toBe('the server is at capacity (6 channels admitted, 1.50 of 1.50 cores reserved, 0.25 per channel); try again later');
    // 7 x 0.25 = 1.75 cores asked of 1.5: 1000 x 1.75 / 1.5.
    expect(e.retryAfterMs).toBe(1167);

    // Far over: capped at retryAfterMaxScale.
    const big = (() => {
      try {
        gate.reserve(40);
      } catch (error) {
        return error as AdmissionRefusal;
      }
      throw new Error('admitted');
    })();
    expect(big.retryAfterMs).toBe(3000);
  });

  it('frees capacity on release, and release is idempotent', () => {
    const { gate } = admission();
    const { tickets } = burst(gate, 6);
    expect(() => gate.reserve(1)).toThrow(ParleyError);
    tickets[0]!.release();
    tickets[0]!.release();
    expect(tickets[0]!.released).toBe(true);
    expect(gate.reservedChannels).toBe(5);
    const again = gate.reserve(1);
    expect(() => gate.reserve(1)).toThrow(ParleyError);
    for (const t of [...tickets, again]) t.release();
    expect(gate.reservedChannels).toBe(0);
    expect(gate.reservedCores).toBe(0);
  });

  it('lets one session into an idle server even when its estimate exceeds capacity', () => {
    const { gate } = admission({ concurrency: 2, maxUtilization: 0.01, channelCostCores: 0.25 });
    const ticket = gate.reserve(2);
    expect(() => gate.reserve(1)).toThrow(ParleyError);
    ticket.release();
    expect(gate.reserve(1).channels).toBe(1);
  });

  it('refuses while the scheduler is busier than maxUtilization, even with capacity to reserve', () => {
    let utilization = 0.8;
    const { gate } = admission({ utilization: () => utilization, retryAfterMs: 500 });
    let refusal: AdmissionRefusal | undefined;
    try {
      gate.reserve(1);
    } catch (error) {
      refusal = error as AdmissionRefusal;
    }
    expect(refusal?.code).toBe('capacity_exceeded');
    expect(refusal?.reason).toBe('utilization');
    expect(refusal?.message).toBe('the server is at capacity (model work 80% busy); try again later');
    expect(refusal?.retryAfterMs).toBe(Math.round((500 * 0.8) / 0.75));
    utilization = 0.75;
    expect(gate.reserve(1).channels).toBe(1);
  });

  it('admits everything at maxUtilization 1 (admission by load off), still counting and measuring', () => {
    const { gate, clock } = admission({ maxUtilization: 1, utilization: () => 1 });
    const { tickets } = burst(gate, 40);
    expect(tickets.length).toBe(40);
    expect(gate.enforcing).toBe(false);
    expect(gate.reservedChannels).toBe(40);
    runLoad(gate, clock, 0.04, 5000, 1); // 1.6 cores of 2: measurable, not saturated
    expect(gate.lastMeasuredChannelCostCores).toBeCloseTo(0.04, 9);
  });

  it('raises the estimate when channels measure costlier than it, so fewer are admitted', () => {
    const { gate, clock } = admission({ riseWeight: 0.5, measureWindowMs: 5000, minMeasuredChannelSeconds: 5 });
    const tickets = burst(gate, 4).tickets; // 4 channels: 1.0 core reserved
    runLoad(gate, clock, 0.35, 5000, 1); // they use 1.4 cores
    expect(gate.lastMeasurement).toBe('updated');
    expect(gate.lastMeasuredChannelCostCores).toBeCloseTo(0.35, 9);
    expect(gate.channelCostCores).toBeCloseTo(0.25 + 0.5 * (0.35 - 0.25), 9); // 0.30
    expect(gate.reservedCores).toBeCloseTo(4 * 0.3, 9);
    expect(() => gate.reserve(2)).toThrow(ParleyError); // 6 x 0.3 = 1.8 > 1.5
    tickets.push(gate.reserve(1)); // 5 x 0.3 = 1.5
    runLoad(gate, clock, 0.35, 5000, 10);
    expect(gate.channelCostCores).toBeGreaterThan(0.34);
    expect(gate.channelCostCores).toBeLessThanOrEqual(0.35);
    tickets.forEach((t) => t.release());
    expect(burst(gate, 40).tickets.length).toBe(4); // floor(1.5 / ~0.35)
  });

  it('lowers the estimate when channels measure cheaper, more slowly than it rises', () => {
    const { gate, clock } = admission({ riseWeight: 0.5, fallWeight: 0.2 });
    burst(gate, 6);
    runLoad(gate, clock, 0.14, 5000, 1); // 6 channels using 0.84 cores
    expect(gate.channelCostCores).toBeCloseTo(0.25 - 0.2 * (0.25 - 0.14), 9); // 0.228
    runLoad(gate, clock, 0.14, 5000, 30);
    expect(gate.channelCostCores).toBeCloseTo(0.14, 3);
    expect(burst(gate, 40).tickets.length).toBe(10 - 6); // floor(1.5 / 0.14) = 10 channels in all
  });

  it('keeps the estimate within its bounds', () => {
    const { gate, clock } = admission({ minChannelCostCores: 0.1, maxChannelCostCores: 0.5, riseWeight: 1, fallWeight: 1 });
    burst(gate, 2);
    runLoad(gate, clock, 0.9, 5000, 1);
    expect(gate.lastMeasuredChannelCostCores).toBeCloseTo(0.9, 9);
    expect(gate.channelCostCores).toBe(0.5);
    runLoad(gate, clock, 0.01, 5000, 1);
    expect(gate.channelCostCores).toBe(0.1);
  });

  it('defaults the bounds to a quarter of the prior and one core', () => {
    const { gate, clock } = admission({ riseWeight: 1, fallWeight: 1 });
    burst(gate, 1);
    runLoad(gate, clock, 1.7, 5000, 1); // more than a slot: not physical for one channel
    expect(gate.channelCostCores).toBe(1);
    runLoad(gate, clock, 0, 5000, 1); // an idle session
    expect(gate.channelCostCores).toBe(0.0625);
  });

  it('does not measure a window with too little reserved channel time', () => {
    const { gate, clock } = admission({ measureWindowMs: 5000, minMeasuredChannelSeconds: 5 });
    const ticket = gate.reserve(1);
    clock.advance(4000);
    ticket.release();
    gate.recordWork(3000); // 0.75 cores per channel, over 4 channel-seconds
    clock.advance(1000);
    expect(gate.channelCostCores).toBe(0.25);
    expect(gate.lastMeasurement).toBe('too_little_load');
    expect(gate.lastMeasuredChannelCostCores).toBeNull();
    // No reservation at all: work (e.g. a session's last final pass) changes nothing.
    gate.recordWork(5000);
    clock.advance(5000);
    expect(gate.channelCostCores).toBe(0.25);
  });

  it('integrates channel time exactly across reservations and releases within a window', () => {
    const { gate, clock } = admission({ riseWeight: 1, fallWeight: 1, minMeasuredChannelSeconds: 0 });
    const a = gate.reserve(2); // 2 channels for 1 s, then 1 channel for 4 s: 6 channel-seconds
    clock.advance(1000);
    const b = gate.reserve(1);
    a.release();
    clock.advance(2000);
    gate.recordWork(1200);
    clock.advance(1999);
    gate.recordWork(600);
    clock.advance(1);
    expect(gate.lastMeasuredChannelCostCores).toBeCloseTo(1800 / 6000, 9);
    expect(gate.channelCostCores).toBeCloseTo(0.3, 9);
    b.release();
  });

  it('when saturated, lets a measurement raise the estimate but never lower it', () => {
    const { gate, clock } = admission({ maxUtilization: 1, saturatedUtilization: 0.9, riseWeight: 1, fallWeight: 1 });
    burst(gate, 16);
    runLoad(gate, clock, 1.9 / 16, 5000, 1); // 1.9 of 2 cores busy: queueing, cost is a lower bound
    expect(gate.lastMeasurement).toBe('saturated_lower_bound');
    expect(gate.channelCostCores).toBe(0.25);
    const { gate: g2, clock: c2 } = admission({ maxUtilization: 1, saturatedUtilization: 0.9, riseWeight: 1, fallWeight: 1 });
    burst(g2, 6);
    runLoad(g2, c2, 1.9 / 6, 5000, 1);
    expect(g2.lastMeasurement).toBe('updated');
    expect(g2.channelCostCores).toBeCloseTo(1.9 / 6, 9);
  });

  it('reads busy time from a cumulative counter when given one', () => {
    let busy = 70_000; // busy before admission started: not this window's
    const { gate, clock } = admission({ busyMs: () => busy, riseWeight: 1, fallWeight: 1 });
    burst(gate, 4);
    clock.advance(5000);
    busy += 4 * 0.2 * 5000;
    expect(gate.channelCostCores).toBeCloseTo(0.2, 9);
  });

  it('ignores nonsense work records', () => {
    const { gate, clock } = admission({ riseWeight: 1, fallWeight: 1 });
    burst(gate, 4);
    gate.recordWork(-5);
    gate.recordWork(NaN);
    gate.recordWork(Infinity);
    gate.recordWork(4000);
    clock.advance(5000);
    expect(gate.channelCostCores).toBeCloseTo(0.2, 9);
  });

  it('exposes capacity, estimate and reserved cores for /metrics', () => {
    const { gate } = admission({ concurrency: 4, maxUtilization: 0.5, channelCostCores: 0.4 });
    expect(gate.capacityCores).toBe(2);
    expect(gate.channelCostCores).toBe(0.4);
    expect(gate.reservedCores).toBe(0);
    gate.reserve(3);
    expect(gate.reservedChannels).toBe(3);
    expect(gate.reservedCores).toBeCloseTo(1.2, 9);
  });

  it('rejects nonsense options and arguments with a clear message', () => {
    const base: CapacityAdmissionOptions = { concurrency: 2, maxUtilization: 0.75, channelCostCores: 0.25 };
    const bad: Array<[Partial<CapacityAdmissionOptions>, RegExp]> = [
      [{ concurrency: 0 }, /concurrency must be a positive number/],
      [{ concurrency: NaN }, /concurrency/],
      [{ maxUtilization: 0 }, /maxUtilization must be in \(0, 1\]/],
      [{ maxUtilization: 1.5 }, /maxUtilization/],
      [{ channelCostCores: 0 }, /channelCostCores must be a positive number of cores, got 0/],
      [{ channelCostCores: -1 }, /channelCostCores/],
      [{ minChannelCostCores: 0.3 }, /minChannelCostCores \(0.3\) must not exceed the prior channelCostCores \(0.25\)/],
      [{ minChannelCostCores: 0 }, /minChannelCostCores must be a positive number/],
      [{ maxChannelCostCores: 0.2 }, /maxChannelCostCores \(0.2\) must not be below the prior channelCostCores \(0.25\)/],
      [{ measureWindowMs: 0 }, /measureWindowMs must be a positive number/],
      [{ minMeasuredChannelSeconds: -1 }, /minMeasuredChannelSeconds must be a non-negative number/],
      [{ riseWeight: 0 }, /riseWeight must be in \(0, 1\]/],
      [{ fallWeight: 2 }, /fallWeight/],
      [{ saturatedUtilization: 0 }, /saturatedUtilization must be in/],
      [{ retryAfterMs: -1 }, /retryAfterMs must be a non-negative number/],
      [{ retryAfterMaxScale: 0.5 }, /retryAfterMaxScale must be a number >= 1/],
      [{ now: 5 as unknown as () => number }, /now must be a function/],
    ];
    for (const [override, message] of bad) {
      expect(() => new CapacityAdmission({ ...base, ...override }), JSON.stringify(override)).toThrow(message);
    }
    expect(() => new CapacityAdmission({ ...base, retryAfterMs: undefined })).not.toThrow();
    const gate = new CapacityAdmission(base);
    expect(() => gate.reserve(0)).toThrow(/positive whole number of channels/);
    expect(() => gate.reserve(1.5)).toThrow(/positive whole number of channels/);
  });
});
