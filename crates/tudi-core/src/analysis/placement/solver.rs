//! The placement solver: firms into parks, least total distance.
//!
//! The solver core only: the caller has already measured the move
//! distances and kept, for each firm, the parks it may go to (industry fit,
//! maximum move distance). Firms are indivisible, a firm goes to at most
//! one park, and the floor area placed in a park never exceeds its room.
//!
//! **Objective**, lexicographic: first place as many firms as possible (the
//! count of placed firms, not their floor area), then, among the
//! assignments placing that many, make the total move distance least.
//!
//! **Method.**
//! 1. The LP relaxation (a firm may be split among parks) is solved as a
//!    min-cost flow by successive shortest paths with potentials
//!    (Dijkstra, ties broken by node index; the firms, in index order, each
//!    send their demand from themselves to the sink): a firm supplies its
//!    demand;
//!    a unit of it sent to a park costs `distance / demand`, so a whole
//!    firm costs its distance; a unit left unplaced costs `λ / demand`, so
//!    a whole firm left out costs `λ`. The flow's cost is
//!    `LP(λ) = min over fractional placements of distance + λ·(unplaced)`.
//! 2. **The bound** is Lagrangian: every integral assignment placing at
//!    least `k` firms is feasible for the relaxation, so its distance is at
//!    least `LP(λ) − λ·(n − k)` for every `λ ≥ 0` (`n` the firms with an
//!    allowed park). [`Placement::relaxation_bound_m`] is the best of these
//!    over the `λ` tried (a geometric bisection on the sign of the slope
//!    `k − fractional count`, below a `λ` above any distance sum; 40 solves
//!    up to 500 allowed pairs, 4 beyond), at `k` = the count placed: it
//!    bounds the distance of *every assignment that places at least as
//!    many firms as the one returned*. It is tight when capacity does not
//!    bind; when it does, the relaxation may fill parks with fractions of
//!    nearer firms and the gap widens.
//! 3. **An integral solution**: each firm, in order of how much of it the
//!    relaxation placed (then larger demand, then index), goes to the park
//!    carrying most of its flow if it fits there, else to its next one;
//!    then local search until no move improves the objective: insert an
//!    unplaced firm where there is room; insert it after moving a placed
//!    firm to another park; let it take a placed firm's place when it is
//!    nearer; move a placed firm to a nearer park with room; swap two
//!    placed firms between parks when that shortens the sum.
//! 4. **Exactness for small cases**: when at most [`EXACT_MAX_FIRMS`] firms
//!    have an allowed park, a depth-first branch-and-bound (bounded by the
//!    unplaceable firms and the nearest parks with room) searches from the
//!    local-search solution; finishing within its node budget (200 000
//!    nodes, so the time stays bounded) proves the
//!    result optimal, and the bound is then the distance itself.
//!
//! Every loop runs in index order and no hash map is iterated, so the same
//! input gives the same answer.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// The branch-and-bound runs when at most this many firms have an allowed
/// park.
pub const EXACT_MAX_FIRMS: usize = 20;

/// The branch-and-bound gives up (keeping its best so far, unproved) after
/// this many nodes.
const EXACT_NODE_BUDGET: u64 = 200_000;

/// Beyond this many firms with an allowed park the min-cost-flow
/// relaxation (whose augmenting paths grow with the whole graph once
/// capacity binds) is not run: see [`place_large`].
pub const FLOW_MAX_FIRMS: usize = 2_000;

/// In a large instance, the parks a firm's assignment is searched among:
/// its nearest this many (the bound still reads every allowed pair).
const NEAREST_PARKS: usize = 16;

/// Local-search passes in a large instance: each pass is linear in the
/// firms, and later passes rarely find anything.
const LARGE_PASSES: usize = 30;

/// Subgradient steps for the large instance's bound.
const PRICE_STEPS: usize = 80;

/// A firm to be placed.
#[derive(Debug, Clone, PartialEq)]
pub struct Firm {
    /// The floor area it needs, m² (finite and > 0; otherwise it is left
    /// unplaced).
    pub demand_m2: f64,
    /// The parks it may move to: (index into the parks, move distance in
    /// metres). Pairs naming no park, with a negative or non-finite
    /// distance, or whose park is too small for the firm are ignored; a
    /// park named twice counts at its shorter distance.
    pub allowed: Vec<(usize, f64)>,
}

/// A park taking firms.
#[derive(Debug, Clone, PartialEq)]
pub struct Park {
    /// Its room for new firms, m² (≥ 0).
    pub capacity_m2: f64,
}

/// What the solver found.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// For each firm, in input order, the park it goes to, if any.
    pub assignment: Vec<Option<usize>>,
    /// How many firms are placed.
    pub placed: usize,
    /// Their total move distance, metres.
    pub distance_m: f64,
    /// A lower bound, metres, on the total distance of any assignment
    /// placing at least [`Placement::placed`] firms: the distance itself
    /// when proved optimal, else [`Placement::relaxation_bound_m`].
    pub lower_bound_m: f64,
    /// The Lagrangian bound of the LP relaxation alone (see the module's
    /// documentation), metres; never above the optimum.
    pub relaxation_bound_m: f64,
    /// `distance_m − lower_bound_m`, metres (≥ 0).
    pub gap_m: f64,
    /// `gap_m / distance_m`, 0 when the distance is 0.
    pub gap_rel: f64,
    /// Whether the branch-and-bound proved the assignment optimal.
    pub proved_optimal: bool,
}

/// Whether `demand` fits in a park holding `load` of `capacity`, with a
/// relative tolerance of 1e-9 for rounding.
fn fits(load: f64, demand: f64, capacity: f64) -> bool {
    load + demand <= capacity + 1e-9 * capacity.max(1.0)
}

/// The firms' usable pairs: per firm, sorted by (distance, park), and by park.
struct Pairs {
    by_distance: Vec<Vec<(usize, f64)>>,
    by_park: Vec<Vec<(usize, f64)>>,
}

impl Pairs {
    fn new(firms: &[Firm], parks: &[Park]) -> Pairs {
        let mut by_park: Vec<Vec<(usize, f64)>> = firms
            .iter()
            .map(|f| {
                if !(f.demand_m2.is_finite() && f.demand_m2 > 0.0) {
                    return Vec::new();
                }
                let mut v: Vec<(usize, f64)> = f
                    .allowed
                    .iter()
                    .copied()
                    .filter(|&(p, d)| {
                        p < parks.len()
                            && d.is_finite()
                            && d >= 0.0
                            && parks[p].capacity_m2.is_finite()
                            && fits(0.0, f.demand_m2, parks[p].capacity_m2)
                    })
                    .collect();
                v.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
                v.dedup_by_key(|x| x.0);
                v
            })
            .collect();
        by_park.shrink_to_fit();
        let by_distance = by_park
            .iter()
            .map(|v| {
                let mut v = v.clone();
                v.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
                v
            })
            .collect();
        Pairs {
            by_distance,
            by_park,
        }
    }

    /// The distance from firm `f` to park `p`, if allowed.
    fn distance(&self, f: usize, p: usize) -> Option<f64> {
        let v = &self.by_park[f];
        v.binary_search_by(|x| x.0.cmp(&p)).ok().map(|i| v[i].1)
    }
}

/// Places the firms into the parks group by group: firms that share no
/// park, directly or through other firms, never compete, so each group
/// (firms and parks joined by the allowed pairs) is placed on its own by
/// [`place`], side by side. A small group is then solved exactly however
/// large the district, and the groups' bounds add up to the whole's. The
/// groups come in order of their first firm, so the answer does not
/// depend on the threads.
pub fn place_in_groups(firms: &[Firm], parks: &[Park]) -> Placement {
    use rayon::prelude::*;
    let n = firms.len();
    let usable = |f: &Firm| -> Vec<usize> {
        f.allowed
            .iter()
            .filter(|&&(p, d)| p < parks.len() && d.is_finite() && d >= 0.0)
            .map(|&(p, _)| p)
            .collect()
    };
    // firms 0..n, parks n..n + parks.len()
    let mut sets = crate::analysis::blocks::UnionFind::new(n + parks.len());
    for (f, firm) in firms.iter().enumerate() {
        for p in usable(firm) {
            sets.union(f, n + p);
        }
    }
    let mut group_of = vec![usize::MAX; n + parks.len()];
    let mut groups: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
    for f in 0..n {
        let root = sets.find(f);
        if group_of[root] == usize::MAX {
            group_of[root] = groups.len();
            groups.push((Vec::new(), Vec::new()));
        }
        groups[group_of[root]].0.push(f);
    }
    for p in 0..parks.len() {
        let root = sets.find(n + p);
        if group_of[root] != usize::MAX {
            groups[group_of[root]].1.push(p);
        }
    }
    let solved: Vec<Placement> = groups
        .par_iter()
        .map(|(fs, ps)| {
            let local_park = |p: usize| ps.binary_search(&p).ok();
            let local_firms: Vec<Firm> = fs
                .iter()
                .map(|&f| Firm {
                    demand_m2: firms[f].demand_m2,
                    allowed: firms[f]
                        .allowed
                        .iter()
                        .filter_map(|&(p, d)| local_park(p).map(|q| (q, d)))
                        .collect(),
                })
                .collect();
            let local_parks: Vec<Park> = ps.iter().map(|&p| parks[p].clone()).collect();
            place(&local_firms, &local_parks)
        })
        .collect();
    let mut whole = Placement {
        assignment: vec![None; n],
        placed: 0,
        distance_m: 0.0,
        lower_bound_m: 0.0,
        relaxation_bound_m: 0.0,
        gap_m: 0.0,
        gap_rel: 0.0,
        proved_optimal: true,
    };
    for ((fs, ps), s) in groups.iter().zip(solved) {
        for (&f, park) in fs.iter().zip(&s.assignment) {
            whole.assignment[f] = park.map(|q| ps[q]);
        }
        whole.placed += s.placed;
        whole.distance_m += s.distance_m;
        whole.lower_bound_m += s.lower_bound_m;
        whole.relaxation_bound_m += s.relaxation_bound_m;
        whole.proved_optimal &= s.proved_optimal;
    }
    whole.gap_m = (whole.distance_m - whole.lower_bound_m).max(0.0);
    whole.gap_rel = if whole.distance_m > 0.0 {
        whole.gap_m / whole.distance_m
    } else {
        0.0
    };
    whole
}

/// Places the firms into the parks (see the module's documentation for the
/// objective, the method and the bound).
pub fn place(firms: &[Firm], parks: &[Park]) -> Placement {
    let pairs = Pairs::new(firms, parks);
    let demand: Vec<f64> = firms.iter().map(|f| f.demand_m2).collect();
    let capacity: Vec<f64> = parks.iter().map(|p| p.capacity_m2).collect();
    let candidates: Vec<usize> = (0..firms.len())
        .filter(|&f| !pairs.by_park[f].is_empty())
        .collect();
    if candidates.len() > FLOW_MAX_FIRMS {
        return place_large(firms, parks, &pairs, &demand, &capacity, &candidates);
    }

    // λ above any sum of distances: one firm more always outweighs them.
    let big = 1.0
        + 2.0
            * candidates
                .iter()
                .map(|&f| pairs.by_distance[f].last().map_or(0.0, |x| x.1))
                .sum::<f64>();
    let top = relaxation(&pairs, &demand, &capacity, &candidates, big);

    let mut state = State::new(&pairs, &demand, &capacity, firms.len());
    state.round(&top.fractions, &candidates);
    state.improve(usize::MAX);

    let mut proved_optimal = false;
    if candidates.len() <= EXACT_MAX_FIRMS {
        proved_optimal = state.exact(&candidates);
    }

    let placed = state.placed();
    let relaxation_bound_m =
        lagrangian_bound(&pairs, &demand, &capacity, &candidates, placed, big, &top);
    Placement::of(state, relaxation_bound_m, proved_optimal)
}

impl Placement {
    /// The placement a search ended in, with its bound (the distance
    /// itself when proved optimal).
    fn of(state: State, relaxation_bound_m: f64, proved_optimal: bool) -> Placement {
        let placed = state.placed();
        let distance_m = state.distance();
        let lower_bound_m = if proved_optimal {
            distance_m
        } else {
            relaxation_bound_m.min(distance_m)
        };
        let gap_m = (distance_m - lower_bound_m).max(0.0);
        Placement {
            assignment: state.assignment,
            placed,
            distance_m,
            lower_bound_m,
            relaxation_bound_m,
            gap_m,
            gap_rel: if distance_m > 0.0 {
                gap_m / distance_m
            } else {
                0.0
            },
            proved_optimal,
        }
    }
}

/// A large instance (more than [`FLOW_MAX_FIRMS`] firms with an allowed
/// park), in time linear in the allowed pairs:
/// 1. each firm, smallest demand first (placing the most firms a park's
///    room allows), goes to the nearest of its [`NEAREST_PARKS`] nearest
///    parks with room; then the local search of the small case, over
///    those parks, for at most [`LARGE_PASSES`] passes;
/// 2. the bound is Lagrangian in the parks' capacities: for prices
///    `π ≥ 0` per m² of a park's room, every assignment placing at least
///    `k` firms moves at least `Σ(k smallest r_f) − Σ π_p·C_p`, where
///    `r_f = min over the firm's allowed parks (distance + π_p·demand)`
///    (a placed firm costs at least its `r_f`, and the prices earn at
///    most each park's room); the prices are raised by Polyak subgradient
///    steps from zero (whose bound is the sum of the `k` smallest nearest
///    distances), reading every allowed pair.
fn place_large(
    firms: &[Firm],
    parks: &[Park],
    pairs: &Pairs,
    demand: &[f64],
    capacity: &[f64],
    candidates: &[usize],
) -> Placement {
    let nearest: Vec<Firm> = firms
        .iter()
        .enumerate()
        .map(|(f, firm)| Firm {
            demand_m2: firm.demand_m2,
            allowed: pairs.by_distance[f]
                .iter()
                .take(NEAREST_PARKS)
                .copied()
                .collect(),
        })
        .collect();
    let near = Pairs::new(&nearest, parks);
    let mut state = State::new(&near, demand, capacity, firms.len());
    let mut order = candidates.to_vec();
    order.sort_by(|&a, &b| {
        demand[a]
            .total_cmp(&demand[b])
            .then(
                near.by_distance[a][0]
                    .1
                    .total_cmp(&near.by_distance[b][0].1),
            )
            .then(a.cmp(&b))
    });
    for f in order {
        if let Some(&(p, _)) = near.by_distance[f]
            .iter()
            .find(|x| state.room(x.0, demand[f]))
        {
            state.put(f, p);
        }
    }
    state.improve(LARGE_PASSES);
    let placed = state.placed();
    let bound = price_bound(
        pairs,
        demand,
        capacity,
        candidates,
        placed,
        state.distance(),
    );
    Placement::of(state, bound, false)
}

/// The best capacity-price bound (see [`place_large`]) on the distance of
/// an assignment placing at least `k` firms; `upper` (a feasible
/// distance) sizes the steps.
fn price_bound(
    pairs: &Pairs,
    demand: &[f64],
    capacity: &[f64],
    candidates: &[usize],
    k: usize,
    upper: f64,
) -> f64 {
    if k == 0 {
        return 0.0;
    }
    let mut prices = vec![0.0; capacity.len()];
    let mut best = 0.0_f64;
    let mut theta = 2.0;
    let mut since_better = 0;
    let mut reduced: Vec<(f64, usize, usize)> = Vec::with_capacity(candidates.len());
    for _ in 0..PRICE_STEPS {
        reduced.clear();
        reduced.extend(candidates.iter().map(|&f| {
            let (p, r) = pairs.by_distance[f]
                .iter()
                .map(|&(p, d)| (p, d + prices[p] * demand[f]))
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
                .expect("a candidate has an allowed park");
            (r, p, f)
        }));
        let k = k.min(reduced.len());
        reduced.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.2.cmp(&b.2)));
        let earned: f64 = prices.iter().zip(capacity).map(|(p, c)| p * c).sum();
        let value = reduced[..k].iter().map(|x| x.0).sum::<f64>() - earned;
        // a margin for the sums' rounding
        let value = value - 1e-9 * (1.0 + value.abs() + earned);
        if value > best {
            best = value;
            since_better = 0;
        } else {
            since_better += 1;
            if since_better >= 5 {
                theta /= 2.0;
                since_better = 0;
            }
        }
        // subgradient: the room the k cheapest firms would take, less the
        // room there is
        let mut g: Vec<f64> = capacity.iter().map(|c| -c).collect();
        for &(_, p, f) in &reduced[..k] {
            g[p] += demand[f];
        }
        // a price already at zero cannot fall
        for (gp, &pp) in g.iter_mut().zip(&prices) {
            if pp <= 0.0 && *gp < 0.0 {
                *gp = 0.0;
            }
        }
        let norm: f64 = g.iter().map(|x| x * x).sum();
        if norm <= 0.0 || upper <= value {
            break;
        }
        let step = theta * (upper - value) / norm;
        for (pp, gp) in prices.iter_mut().zip(&g) {
            *pp = (*pp + step * gp).max(0.0);
        }
    }
    best
}

/// The best Lagrangian bound found for assignments placing at least `k`
/// firms: `max LP(λ) − λ·(n − k)` over a geometric bisection of
/// `λ ∈ [1e-3, big]`.
fn lagrangian_bound(
    pairs: &Pairs,
    demand: &[f64],
    capacity: &[f64],
    candidates: &[usize],
    k: usize,
    big: f64,
    top: &Relaxed,
) -> f64 {
    let n = candidates.len() as f64;
    let k = k as f64;
    // Each evaluation less a margin for the flow's rounding, relative to
    // the terms that cancel.
    let g = |r: &Relaxed, lambda: f64| {
        let penalty = lambda * (n - k);
        r.cost - penalty - 1e-9 * (1.0 + r.cost.abs() + penalty.abs())
    };
    let mut best = g(top, big).max(0.0);
    if top.count > k + 1e-9 {
        // The slope k − count(λ) is negative at `big`: look lower. The
        // number of solves shrinks with the instance so large ones stay fast.
        let edges: usize = candidates.iter().map(|&f| pairs.by_park[f].len()).sum();
        let rounds = if edges <= 500 { 40 } else { 4 };
        // geometric: the λ that matters is of the order of one move
        let (mut lo, mut hi) = (1e-3_f64, big);
        for _ in 0..rounds {
            let mid = (lo * hi).sqrt();
            let r = relaxation(pairs, demand, capacity, candidates, mid);
            best = best.max(g(&r, mid));
            if r.count > k + 1e-9 {
                hi = mid;
            } else {
                lo = mid;
            }
        }
    }
    best
}

/// A solved relaxation.
struct Relaxed {
    /// `LP(λ)`: distance plus λ per whole firm left out.
    cost: f64,
    /// The placed firms' fractional count.
    count: f64,
    /// Per firm, the fraction of it sent to each park (park, fraction).
    fractions: Vec<Vec<(usize, f64)>>,
}

/// A residual arc; arc `i ^ 1` is its reverse.
struct Arc {
    to: usize,
    residual: f64,
    cost: f64,
}

/// A heap key ordering by cost, then node index.
#[derive(PartialEq)]
struct Key(f64, usize);
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then(self.1.cmp(&other.1))
    }
}

/// The LP relaxation at `lambda` as a min-cost flow: each firm supplies
/// its demand; firm → park (distance / demand per unit), firm → sink
/// (λ / demand per unit, unplaced), park → sink (its capacity).
fn relaxation(
    pairs: &Pairs,
    demand: &[f64],
    capacity: &[f64],
    candidates: &[usize],
    lambda: f64,
) -> Relaxed {
    let nf = candidates.len();
    let np = capacity.len();
    // node 0 is unused: firms are 1.., parks after them, then the sink
    let sink = nf + np + 1;
    let nodes = nf + np + 2;
    let mut arcs: Vec<Arc> = Vec::new();
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); nodes];
    let mut add = |arcs: &mut Vec<Arc>, from: usize, to: usize, cap: f64, cost: f64| {
        out[from].push(arcs.len());
        arcs.push(Arc {
            to,
            residual: cap,
            cost,
        });
        out[to].push(arcs.len());
        arcs.push(Arc {
            to: from,
            residual: 0.0,
            cost: -cost,
        });
    };
    let total: f64 = candidates.iter().map(|&f| demand[f]).sum();
    let eps = 1e-12 * total.max(1.0);
    let mut firm_arcs = Vec::with_capacity(nf);
    for (i, &f) in candidates.iter().enumerate() {
        let start = arcs.len();
        for &(p, d) in &pairs.by_park[f] {
            add(&mut arcs, 1 + i, 1 + nf + p, f64::INFINITY, d / demand[f]);
        }
        firm_arcs.push(start);
        add(&mut arcs, 1 + i, sink, demand[f], lambda / demand[f]);
    }
    for (p, &c) in capacity.iter().enumerate() {
        add(&mut arcs, 1 + nf + p, sink, c.max(0.0), 0.0);
    }

    // Each firm in turn sends its demand along shortest paths from itself
    // to the sink; the potentials keep every reduced cost non-negative.
    let mut potential = vec![0.0; nodes];
    let mut dist = vec![f64::INFINITY; nodes];
    let mut done = vec![false; nodes];
    let mut via = vec![usize::MAX; nodes];
    let mut heap = BinaryHeap::new();
    for (i, &f) in candidates.iter().enumerate() {
        let from = 1 + i;
        let mut excess = demand[f];
        while excess > eps {
            dist.fill(f64::INFINITY);
            done.fill(false);
            heap.clear();
            dist[from] = 0.0;
            heap.push(Reverse(Key(0.0, from)));
            while let Some(Reverse(Key(d, u))) = heap.pop() {
                if done[u] {
                    continue;
                }
                done[u] = true;
                if u == sink {
                    break;
                }
                for &a in &out[u] {
                    let arc = &arcs[a];
                    if arc.residual <= eps || done[arc.to] {
                        continue;
                    }
                    let reduced = (arc.cost + potential[u] - potential[arc.to]).max(0.0);
                    let nd = d + reduced;
                    if nd < dist[arc.to] {
                        dist[arc.to] = nd;
                        via[arc.to] = a;
                        heap.push(Reverse(Key(nd, arc.to)));
                    }
                }
            }
            if !done[sink] {
                break; // cannot happen: the firm's own unplaced arc has room
            }
            let dt = dist[sink];
            for v in 0..nodes {
                potential[v] += if done[v] { dist[v] } else { dt };
            }
            let mut push = excess;
            let mut v = sink;
            while v != from {
                let a = via[v];
                push = push.min(arcs[a].residual);
                v = arcs[a ^ 1].to;
            }
            let mut v = sink;
            while v != from {
                let a = via[v];
                arcs[a].residual -= push;
                if arcs[a].residual < eps {
                    arcs[a].residual = 0.0;
                }
                arcs[a ^ 1].residual += push;
                v = arcs[a ^ 1].to;
            }
            excess -= push;
        }
    }

    let mut cost = 0.0;
    let mut count = 0.0;
    let mut fractions = Vec::with_capacity(nf);
    for (i, &f) in candidates.iter().enumerate() {
        let mut fr = Vec::new();
        for (j, &(p, d)) in pairs.by_park[f].iter().enumerate() {
            let flow = arcs[firm_arcs[i] + 2 * j + 1].residual;
            if flow > 0.0 {
                let x = flow / demand[f];
                cost += x * d;
                count += x;
                fr.push((p, x));
            }
        }
        let unplaced = arcs[firm_arcs[i] + 2 * pairs.by_park[f].len() + 1].residual;
        cost += lambda * unplaced / demand[f];
        fractions.push(fr);
    }
    // Firms with no allowed park are left out whole.
    Relaxed {
        cost,
        count,
        fractions,
    }
}

/// An integral assignment being improved.
struct State<'a> {
    pairs: &'a Pairs,
    demand: &'a [f64],
    capacity: &'a [f64],
    assignment: Vec<Option<usize>>,
    load: Vec<f64>,
    /// Each park's firms, in index order.
    members: Vec<Vec<usize>>,
}

impl<'a> State<'a> {
    fn new(pairs: &'a Pairs, demand: &'a [f64], capacity: &'a [f64], n: usize) -> State<'a> {
        State {
            pairs,
            demand,
            capacity,
            assignment: vec![None; n],
            load: vec![0.0; capacity.len()],
            members: vec![Vec::new(); capacity.len()],
        }
    }

    fn placed(&self) -> usize {
        self.assignment.iter().filter(|a| a.is_some()).count()
    }

    /// The total distance, summed in firm order.
    fn distance(&self) -> f64 {
        self.assignment
            .iter()
            .enumerate()
            .filter_map(|(f, a)| a.and_then(|p| self.pairs.distance(f, p)))
            .sum()
    }

    fn room(&self, p: usize, d: f64) -> bool {
        fits(self.load[p], d, self.capacity[p])
    }

    fn put(&mut self, f: usize, p: usize) {
        debug_assert!(self.assignment[f].is_none());
        self.assignment[f] = Some(p);
        self.load[p] += self.demand[f];
        let m = &mut self.members[p];
        let at = m.binary_search(&f).unwrap_or_else(|i| i);
        m.insert(at, f);
    }

    fn take(&mut self, f: usize) {
        if let Some(p) = self.assignment[f].take() {
            self.load[p] = (self.load[p] - self.demand[f]).max(0.0);
            let m = &mut self.members[p];
            if let Ok(at) = m.binary_search(&f) {
                m.remove(at);
            }
            if m.is_empty() {
                self.load[p] = 0.0;
            }
        }
    }

    /// Rounds the relaxation: firms by placed fraction (larger first),
    /// then demand (larger first), then index; each to the park carrying
    /// most of it where it fits.
    fn round(&mut self, fractions: &[Vec<(usize, f64)>], candidates: &[usize]) {
        let mut order: Vec<(usize, f64)> = (0..candidates.len())
            .map(|i| (i, fractions[i].iter().map(|x| x.1).sum::<f64>()))
            .filter(|x| x.1 > 1e-9)
            .collect();
        order.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then(self.demand[candidates[b.0]].total_cmp(&self.demand[candidates[a.0]]))
                .then(a.0.cmp(&b.0))
        });
        for (i, _) in order {
            let f = candidates[i];
            let mut parks = fractions[i].clone();
            parks.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            if let Some(&(p, _)) = parks.iter().find(|x| self.room(x.0, self.demand[f])) {
                self.put(f, p);
            }
        }
    }

    /// Local search until no move improves (count first, then distance),
    /// for at most `passes` passes.
    fn improve(&mut self, passes: usize) {
        for _ in 0..passes {
            if !(self.insert()
                || self.insert_by_moving()
                || self.replace()
                || self.relocate()
                || self.swap())
            {
                break;
            }
        }
    }

    fn tol(&self) -> f64 {
        1e-9 * (1.0 + self.distance().abs())
    }

    /// An unplaced firm into the nearest allowed park with room.
    fn insert(&mut self) -> bool {
        let mut any = false;
        for f in 0..self.assignment.len() {
            if self.assignment[f].is_some() {
                continue;
            }
            let d = self.demand[f];
            if let Some(&(p, _)) = self.pairs.by_distance[f].iter().find(|x| self.room(x.0, d)) {
                self.put(f, p);
                any = true;
            }
        }
        any
    }

    /// An unplaced firm into a park after one of its firms moves to
    /// another park with room.
    fn insert_by_moving(&mut self) -> bool {
        let mut any = false;
        for f in 0..self.assignment.len() {
            if self.assignment[f].is_some() {
                continue;
            }
            let mut found = None;
            'search: for &(p, _) in &self.pairs.by_distance[f] {
                for &g in &self.members[p] {
                    if !fits(
                        self.load[p] - self.demand[g],
                        self.demand[f],
                        self.capacity[p],
                    ) {
                        continue;
                    }
                    let q = self.pairs.by_distance[g]
                        .iter()
                        .find(|x| x.0 != p && self.room(x.0, self.demand[g]));
                    if let Some(&(q, _)) = q {
                        found = Some((p, g, q));
                        break 'search;
                    }
                }
            }
            if let Some((p, g, q)) = found {
                self.take(g);
                self.put(g, q);
                self.put(f, p);
                any = true;
            }
        }
        any
    }

    /// An unplaced firm takes a placed one's place when it is nearer.
    fn replace(&mut self) -> bool {
        let tol = self.tol();
        let mut any = false;
        for f in 0..self.assignment.len() {
            if self.assignment[f].is_some() {
                continue;
            }
            let mut found = None;
            'search: for &(p, df) in &self.pairs.by_distance[f] {
                for &g in &self.members[p] {
                    let dg = self.pairs.distance(g, p).unwrap_or(0.0);
                    if df < dg - tol
                        && fits(
                            self.load[p] - self.demand[g],
                            self.demand[f],
                            self.capacity[p],
                        )
                    {
                        found = Some((p, g));
                        break 'search;
                    }
                }
            }
            if let Some((p, g)) = found {
                self.take(g);
                self.put(f, p);
                any = true;
            }
        }
        any
    }

    /// A placed firm to a nearer park with room.
    fn relocate(&mut self) -> bool {
        let tol = self.tol();
        let mut any = false;
        for f in 0..self.assignment.len() {
            let Some(p) = self.assignment[f] else {
                continue;
            };
            let now = self.pairs.distance(f, p).unwrap_or(0.0);
            let d = self.demand[f];
            let better = self.pairs.by_distance[f]
                .iter()
                .take_while(|x| x.1 < now - tol)
                .find(|x| x.0 != p && self.room(x.0, d));
            if let Some(&(q, _)) = better {
                self.take(f);
                self.put(f, q);
                any = true;
            }
        }
        any
    }

    /// Two placed firms swap parks when that shortens the sum.
    fn swap(&mut self) -> bool {
        let tol = self.tol();
        let mut any = false;
        for f in 0..self.assignment.len() {
            let Some(p) = self.assignment[f] else {
                continue;
            };
            let fp = self.pairs.distance(f, p).unwrap_or(0.0);
            let mut found = None;
            'search: for &(q, fq) in &self.pairs.by_park[f] {
                if q == p {
                    continue;
                }
                for &g in &self.members[q] {
                    let Some(gp) = self.pairs.distance(g, p) else {
                        continue;
                    };
                    let gq = self.pairs.distance(g, q).unwrap_or(0.0);
                    if fq + gp < fp + gq - tol
                        && fits(
                            self.load[q] - self.demand[g],
                            self.demand[f],
                            self.capacity[q],
                        )
                        && fits(
                            self.load[p] - self.demand[f],
                            self.demand[g],
                            self.capacity[p],
                        )
                    {
                        found = Some((q, g));
                        break 'search;
                    }
                }
            }
            if let Some((q, g)) = found {
                self.take(f);
                self.take(g);
                self.put(f, q);
                self.put(g, p);
                any = true;
            }
        }
        any
    }

    /// Depth-first branch-and-bound from the present assignment, which it
    /// replaces by anything lexicographically better. Returns whether the
    /// search finished (the result is then optimal).
    fn exact(&mut self, candidates: &[usize]) -> bool {
        // larger firms first: capacity bites sooner
        let mut order = candidates.to_vec();
        order.sort_by(|&a, &b| self.demand[b].total_cmp(&self.demand[a]).then(a.cmp(&b)));
        let mut search = Search {
            pairs: self.pairs,
            demand: self.demand,
            capacity: self.capacity,
            load: vec![0.0; self.capacity.len()],
            current: vec![None; order.len()],
            best: order.iter().map(|&f| self.assignment[f]).collect(),
            best_unplaced: order
                .iter()
                .filter(|&&f| self.assignment[f].is_none())
                .count(),
            best_distance: self.distance(),
            nodes: 0,
            order,
        };
        let finished = search.dfs(0, 0, 0.0);
        for &f in &search.order {
            self.take(f);
        }
        for (&f, &p) in search.order.iter().zip(&search.best) {
            if let Some(p) = p {
                self.put(f, p);
            }
        }
        finished
    }
}

/// The branch-and-bound's state; `current` and `best` are in `order`.
struct Search<'a> {
    pairs: &'a Pairs,
    demand: &'a [f64],
    capacity: &'a [f64],
    order: Vec<usize>,
    load: Vec<f64>,
    current: Vec<Option<usize>>,
    best: Vec<Option<usize>>,
    best_unplaced: usize,
    best_distance: f64,
    nodes: u64,
}

impl Search<'_> {
    /// Explores the firms from `depth` on; false when out of budget.
    fn dfs(&mut self, depth: usize, unplaced: usize, distance: f64) -> bool {
        self.nodes += 1;
        if self.nodes > EXACT_NODE_BUDGET {
            return false;
        }
        let tol = 1e-9 * (1.0 + self.best_distance.abs());
        if depth == self.order.len() {
            if unplaced < self.best_unplaced
                || (unplaced == self.best_unplaced && distance < self.best_distance - tol)
            {
                self.best_unplaced = unplaced;
                self.best_distance = distance;
                self.best.clone_from(&self.current);
            }
            return true;
        }
        // Bound: a remaining firm with no park left with room stays out;
        // the others at best go to their nearest park with room.
        let mut lb_unplaced = unplaced;
        let mut lb_distance = distance;
        for &f in &self.order[depth..] {
            match self.pairs.by_distance[f]
                .iter()
                .find(|x| fits(self.load[x.0], self.demand[f], self.capacity[x.0]))
            {
                Some(x) => lb_distance += x.1,
                None => lb_unplaced += 1,
            }
        }
        if lb_unplaced > self.best_unplaced
            || (lb_unplaced == self.best_unplaced && lb_distance >= self.best_distance - tol)
        {
            return true;
        }
        let f = self.order[depth];
        let d = self.demand[f];
        for j in 0..self.pairs.by_distance[f].len() {
            let (p, dist) = self.pairs.by_distance[f][j];
            if !fits(self.load[p], d, self.capacity[p]) {
                continue;
            }
            self.load[p] += d;
            self.current[depth] = Some(p);
            let ok = self.dfs(depth + 1, unplaced, distance + dist);
            self.load[p] -= d;
            self.current[depth] = None;
            if !ok {
                return false;
            }
        }
        self.dfs(depth + 1, unplaced + 1, distance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::SplitMix64 as Rng;

    fn firm(demand_m2: f64, allowed: &[(usize, f64)]) -> Firm {
        Firm {
            demand_m2,
            allowed: allowed.to_vec(),
        }
    }

    fn parks(caps: &[f64]) -> Vec<Park> {
        caps.iter()
            .map(|&capacity_m2| Park { capacity_m2 })
            .collect()
    }

    /// Every reported figure agrees with the assignment and the rules.
    fn check(firms: &[Firm], parks: &[Park], r: &Placement) {
        assert_eq!(r.assignment.len(), firms.len());
        let mut load = vec![0.0; parks.len()];
        let mut distance = 0.0;
        for (f, a) in r.assignment.iter().enumerate() {
            if let Some(p) = *a {
                let d = firms[f]
                    .allowed
                    .iter()
                    .filter(|x| x.0 == p)
                    .map(|x| x.1)
                    .fold(f64::INFINITY, f64::min);
                assert!(d.is_finite(), "firm {f} put in park {p}, not allowed");
                distance += d;
                load[p] += firms[f].demand_m2;
            }
        }
        for (p, l) in load.iter().enumerate() {
            assert!(
                *l <= parks[p].capacity_m2 * (1.0 + 1e-9) + 1e-9,
                "park {p} over capacity: {l} > {}",
                parks[p].capacity_m2
            );
        }
        assert_eq!(r.placed, r.assignment.iter().flatten().count());
        assert!((r.distance_m - distance).abs() <= 1e-6 * (1.0 + distance));
        assert!(r.lower_bound_m <= r.distance_m + 1e-6);
        assert!(r.relaxation_bound_m <= r.distance_m + 1e-6);
        assert!(r.lower_bound_m >= 0.0 && r.gap_m >= 0.0 && r.gap_rel >= 0.0);
        assert!((r.gap_m - (r.distance_m - r.lower_bound_m)).abs() <= 1e-6);
    }

    fn solve(firms: &[Firm], parks: &[Park]) -> Placement {
        let r = place(firms, parks);
        check(firms, parks, &r);
        r
    }

    #[test]
    fn capacity_binding_places_the_count_first_then_the_distance() {
        // Park 0 has room for one of the two; firm 0 can go only there,
        // firm 1 also to park 1 farther away. Both are placed.
        let firms = [
            firm(100.0, &[(0, 500.0)]),
            firm(100.0, &[(0, 100.0), (1, 900.0)]),
        ];
        let r = solve(&firms, &parks(&[150.0, 100.0]));
        assert_eq!(r.assignment, vec![Some(0), Some(1)]);
        assert_eq!(r.placed, 2);
        assert!((r.distance_m - 1400.0).abs() < 1e-9);
        assert!(r.proved_optimal);
        assert_eq!(r.gap_m, 0.0);
    }

    #[test]
    fn one_room_goes_to_the_nearer_firm() {
        let firms = [firm(100.0, &[(0, 800.0)]), firm(100.0, &[(0, 300.0)])];
        let r = solve(&firms, &parks(&[100.0]));
        assert_eq!(r.assignment, vec![None, Some(0)]);
        assert!((r.distance_m - 300.0).abs() < 1e-9);
    }

    #[test]
    fn a_firm_with_no_allowed_park_stays_unplaced() {
        let firms = [firm(100.0, &[]), firm(100.0, &[(0, 50.0)])];
        let r = solve(&firms, &parks(&[1000.0]));
        assert_eq!(r.assignment, vec![None, Some(0)]);
        assert_eq!(r.placed, 1);
    }

    #[test]
    fn two_firms_compete_for_one_park_and_one_goes_farther() {
        // Both prefer park 0, which takes one; the one for whom the detour
        // to park 1 costs less goes there: firm 0 (+200 against +700).
        let firms = [
            firm(100.0, &[(0, 100.0), (1, 300.0)]),
            firm(100.0, &[(0, 200.0), (1, 900.0)]),
        ];
        let r = solve(&firms, &parks(&[120.0, 500.0]));
        assert_eq!(r.assignment, vec![Some(1), Some(0)]);
        assert!((r.distance_m - 500.0).abs() < 1e-9);
        // with room for both the relaxation is integral and its bound tight
        let r = solve(&firms, &parks(&[200.0, 500.0]));
        assert_eq!(r.assignment, vec![Some(0), Some(0)]);
        assert!((r.relaxation_bound_m - 300.0).abs() < 1e-6);
    }

    #[test]
    fn a_firm_too_big_for_every_park_stays_unplaced() {
        let firms = [
            firm(5000.0, &[(0, 10.0), (1, 20.0)]),
            firm(10.0, &[(1, 30.0)]),
        ];
        let r = solve(&firms, &parks(&[4000.0, 4999.0]));
        assert_eq!(r.assignment, vec![None, Some(1)]);
    }

    #[test]
    fn demand_equal_to_capacity_fits() {
        let firms = [firm(1234.5, &[(0, 10.0)]), firm(0.1 + 0.2, &[(1, 1.0)])];
        let r = solve(&firms, &parks(&[1234.5, 0.3]));
        assert_eq!(r.assignment, vec![Some(0), Some(1)]);
        // and two halves fill a park exactly
        let firms = [firm(500.0, &[(0, 10.0)]), firm(500.0, &[(0, 20.0)])];
        let r = solve(&firms, &parks(&[1000.0]));
        assert_eq!(r.placed, 2);
    }

    #[test]
    fn empty_inputs() {
        let r = solve(&[], &[]);
        assert_eq!(r.placed, 0);
        assert_eq!(r.distance_m, 0.0);
        assert!(r.proved_optimal);
        let r = solve(&[firm(10.0, &[(0, 1.0)])], &[]);
        assert_eq!(r.assignment, vec![None]);
        let r = solve(&[], &parks(&[10.0]));
        assert!(r.assignment.is_empty());
    }

    #[test]
    fn bad_pairs_and_demands_are_ignored() {
        let firms = [
            firm(
                10.0,
                &[(7, 1.0), (0, f64::NAN), (0, -1.0), (1, 40.0), (1, 30.0)],
            ),
            firm(0.0, &[(0, 1.0)]),
            firm(f64::NAN, &[(0, 1.0)]),
        ];
        let r = solve(&firms, &parks(&[100.0, 100.0]));
        assert_eq!(r.assignment, vec![Some(1), None, None]);
        assert!((r.distance_m - 30.0).abs() < 1e-9);
    }

    /// The optimum by trying every assignment: (placed, least distance).
    fn brute_force(firms: &[Firm], parks: &[Park]) -> (usize, f64) {
        let n = firms.len();
        let m = parks.len();
        let mut best = (0usize, 0.0f64);
        let mut choice = vec![0usize; n]; // 0 = unplaced, else park + 1
        loop {
            let mut load = vec![0.0; m];
            let mut ok = true;
            let mut placed = 0;
            let mut distance = 0.0;
            for (f, &c) in choice.iter().enumerate() {
                if c == 0 {
                    continue;
                }
                let p = c - 1;
                match firms[f].allowed.iter().find(|x| x.0 == p) {
                    Some(&(_, d)) => {
                        load[p] += firms[f].demand_m2;
                        distance += d;
                        placed += 1;
                    }
                    None => ok = false,
                }
            }
            ok = ok && (0..m).all(|p| load[p] <= parks[p].capacity_m2);
            if ok && (placed > best.0 || (placed == best.0 && distance < best.1)) {
                best = (placed, distance);
            }
            // next assignment
            let mut i = 0;
            while i < n && choice[i] == m {
                choice[i] = 0;
                i += 1;
            }
            if i == n {
                return best;
            }
            choice[i] += 1;
        }
    }

    #[test]
    fn groups_that_share_no_park_are_placed_apart_and_add_up() {
        // two or three sub-instances on parks of their own, interleaved:
        // placed in groups, the whole is optimal (brute force), each group
        // is placed as alone, and nothing depends on the threads
        let mut rng = Rng(20_261_208);
        for case in 0..200 {
            let k = 2 + rng.below(2) as usize;
            let mut firms: Vec<Firm> = Vec::new();
            let mut parks: Vec<Park> = Vec::new();
            let mut subs: Vec<(Vec<Firm>, Vec<Park>, Vec<usize>)> = Vec::new();
            for _ in 0..k {
                let (n, m) = (rng.below(3) as usize, 1 + rng.below(2) as usize);
                let sub_parks: Vec<Park> = (0..m)
                    .map(|_| Park {
                        capacity_m2: (rng.below(16) * 100) as f64,
                    })
                    .collect();
                let sub_firms: Vec<Firm> = (0..n)
                    .map(|_| Firm {
                        demand_m2: ((1 + rng.below(8)) * 100) as f64,
                        allowed: (0..m)
                            .filter_map(|p| {
                                let keep = rng.unit() < 0.8;
                                let d = rng.below(5000) as f64;
                                keep.then_some((p, d))
                            })
                            .collect(),
                    })
                    .collect();
                parks.extend(sub_parks.iter().cloned());
                subs.push((sub_firms, sub_parks, Vec::new()));
            }
            // interleave the firms: round robin over the sub-instances
            let offsets: Vec<usize> = subs
                .iter()
                .scan(0, |at, s| {
                    let o = *at;
                    *at += s.1.len();
                    Some(o)
                })
                .collect();
            let longest = subs.iter().map(|s| s.0.len()).max().unwrap_or(0);
            for i in 0..longest {
                for (s, sub) in subs.iter_mut().enumerate() {
                    if let Some(f) = sub.0.get(i) {
                        sub.2.push(firms.len());
                        firms.push(Firm {
                            demand_m2: f.demand_m2,
                            allowed: f
                                .allowed
                                .iter()
                                .map(|&(p, d)| (p + offsets[s], d))
                                .collect(),
                        });
                    }
                }
            }
            let r = place_in_groups(&firms, &parks);
            check(&firms, &parks, &r);
            let (placed, distance) = brute_force(&firms, &parks);
            assert_eq!(r.placed, placed, "case {case}");
            assert!((r.distance_m - distance).abs() <= 1e-6, "case {case}");
            assert!(r.proved_optimal, "case {case}");
            assert!(r.lower_bound_m <= distance + 1e-6, "case {case}");
            for (s, (sub_firms, sub_parks, at)) in subs.iter().enumerate() {
                let alone = place(sub_firms, sub_parks);
                for (k, &f) in at.iter().enumerate() {
                    assert_eq!(
                        r.assignment[f],
                        alone.assignment[k].map(|p| p + offsets[s]),
                        "case {case}"
                    );
                }
            }
            assert_eq!(place_in_groups(&firms, &parks), r);
        }
        let none = place_in_groups(&[], &[]);
        assert!(none.proved_optimal && none.placed == 0);
    }

    #[test]
    fn small_random_instances_match_brute_force() {
        let mut rng = Rng(20_261_207);
        let mut fractional = 0;
        for case in 0..300 {
            let n = rng.below(8) as usize;
            let m = 1 + rng.below(3) as usize;
            let parks: Vec<Park> = (0..m)
                .map(|_| Park {
                    capacity_m2: (rng.below(26) * 100) as f64,
                })
                .collect();
            let firms: Vec<Firm> = (0..n)
                .map(|_| Firm {
                    demand_m2: ((1 + rng.below(10)) * 100) as f64,
                    allowed: (0..m)
                        .filter_map(|p| {
                            let keep = rng.unit() < 0.7;
                            let d = rng.below(5000) as f64;
                            keep.then_some((p, d))
                        })
                        .collect(),
                })
                .collect();
            let (placed, distance) = brute_force(&firms, &parks);
            let r = solve(&firms, &parks);
            assert_eq!(r.placed, placed, "case {case}: {firms:?} {parks:?}");
            assert!(
                (r.distance_m - distance).abs() <= 1e-6,
                "case {case}: {} against {distance}",
                r.distance_m
            );
            assert!(r.proved_optimal, "case {case}");
            assert!(r.relaxation_bound_m <= distance + 1e-6, "case {case}");
            assert!(r.lower_bound_m <= distance + 1e-6, "case {case}");
            if r.relaxation_bound_m < distance - 1e-6 {
                fractional += 1;
            }
            // the same input, the same answer
            assert_eq!(place(&firms, &parks), r);
            // the large instances' price bound never passes the optimum
            let pairs = Pairs::new(&firms, &parks);
            let demand: Vec<f64> = firms.iter().map(|f| f.demand_m2).collect();
            let capacity: Vec<f64> = parks.iter().map(|p| p.capacity_m2).collect();
            let candidates: Vec<usize> = (0..n).filter(|&f| !pairs.by_park[f].is_empty()).collect();
            let priced = price_bound(
                &pairs,
                &demand,
                &capacity,
                &candidates,
                placed,
                distance + 1.0,
            );
            assert!(
                priced <= distance + 1e-6,
                "case {case}: {priced} > {distance}"
            );
        }
        // capacity bites in some: the relaxation is not always tight
        assert!(fractional > 0);
    }

    #[test]
    fn twenty_firms_go_through_the_branch_and_bound() {
        let mut rng = Rng(20);
        for _ in 0..3 {
            let parks: Vec<Park> = (0..8)
                .map(|_| Park {
                    capacity_m2: (rng.below(40) * 100) as f64,
                })
                .collect();
            let firms: Vec<Firm> = (0..EXACT_MAX_FIRMS)
                .map(|_| Firm {
                    demand_m2: ((1 + rng.below(10)) * 100) as f64,
                    allowed: (0..8).map(|p| (p, rng.below(5000) as f64)).collect(),
                })
                .collect();
            let r = solve(&firms, &parks);
            assert!(r.proved_optimal);
            assert_eq!(r.lower_bound_m, r.distance_m);
            assert_eq!(r.gap_m, 0.0);
        }
    }

    #[test]
    fn a_large_instance_is_placed_in_linear_time_with_a_valid_bound() {
        // more firms than the flow relaxation takes: the large path
        let mut rng = Rng(7);
        let side = 30_000.0;
        let parks_xy: Vec<(f64, f64)> = (0..60)
            .map(|_| (rng.unit() * side, rng.unit() * side))
            .collect();
        let parks: Vec<Park> = (0..60)
            .map(|_| Park {
                capacity_m2: 5_000.0 + rng.unit() * 40_000.0,
            })
            .collect();
        let firms: Vec<Firm> = (0..3 * FLOW_MAX_FIRMS)
            .map(|_| {
                let (x, y) = (rng.unit() * side, rng.unit() * side);
                Firm {
                    demand_m2: 200.0 + rng.unit() * 2_800.0,
                    allowed: parks_xy
                        .iter()
                        .enumerate()
                        .map(|(p, &(px, py))| (p, ((px - x).powi(2) + (py - y).powi(2)).sqrt()))
                        .filter(|x| x.1 <= 15_000.0)
                        .collect(),
                }
            })
            .collect();
        let start = std::time::Instant::now();
        let r = solve(&firms, &parks);
        eprintln!(
            "{} firms, 60 parks: {} placed, {:.0} m, bound {:.0} m, gap {:.2}%, {:?}",
            firms.len(),
            r.placed,
            r.distance_m,
            r.lower_bound_m,
            100.0 * r.gap_rel,
            start.elapsed()
        );
        // capacity binds: not every firm fits, and the parks are nearly full
        assert!(r.placed > 0 && r.placed < firms.len());
        let room: f64 = parks.iter().map(|p| p.capacity_m2).sum();
        let used: f64 = (r.assignment.iter().enumerate())
            .filter_map(|(f, a)| a.map(|_| firms[f].demand_m2))
            .sum();
        assert!(used > 0.9 * room, "{used} of {room}");
        // a bound, not nothing (check() holds it under the distance)
        assert!(r.lower_bound_m > 0.5 * r.distance_m);
        assert_eq!(place(&firms, &parks), r);
    }

    #[test]
    fn a_district_sized_instance_is_quick_and_feasible() {
        let mut rng = Rng(2026);
        let side = 40_000.0;
        let max_move = 8_000.0;
        let parks_xy: Vec<(f64, f64)> = (0..40)
            .map(|_| (rng.unit() * side, rng.unit() * side))
            .collect();
        let parks: Vec<Park> = (0..40)
            .map(|_| Park {
                capacity_m2: 20_000.0 + rng.unit() * 100_000.0,
            })
            .collect();
        let firms: Vec<Firm> = (0..2000)
            .map(|_| {
                let (x, y) = (rng.unit() * side, rng.unit() * side);
                Firm {
                    demand_m2: 200.0 + rng.unit() * 2_800.0,
                    allowed: parks_xy
                        .iter()
                        .enumerate()
                        .map(|(p, &(px, py))| (p, ((px - x).powi(2) + (py - y).powi(2)).sqrt()))
                        .filter(|x| x.1 <= max_move)
                        .collect(),
                }
            })
            .collect();
        let start = std::time::Instant::now();
        let r = solve(&firms, &parks);
        let took = start.elapsed();
        eprintln!(
            "2000 firms, 40 parks: {} placed, {:.0} m, bound {:.0} m, gap {:.4}%, {:?}",
            r.placed,
            r.distance_m,
            r.lower_bound_m,
            100.0 * r.gap_rel,
            took
        );
        assert!(r.placed > 0);
        assert!(r.lower_bound_m <= r.distance_m);
        assert!(!r.proved_optimal);
    }
}
