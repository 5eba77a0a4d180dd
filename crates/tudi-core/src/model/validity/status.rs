//! The edges crossing the sweep line, bottom to top: a treap whose nodes
//! are the edges themselves (node `e` is edge `e`), threaded by `prev` and
//! `next`. The handles let the sweep take an edge out, put its successor
//! in its place, or step to a neighbour without searching; it searches only
//! where a new chain of edges starts.

use std::cmp::Ordering;

/// No node.
pub(super) const NIL: u32 = u32::MAX;

#[derive(Clone, Copy)]
struct Node {
    left: u32,
    right: u32,
    up: u32,
    prev: u32,
    next: u32,
    /// heap order of the treap: random, so the tree stays shallow
    prio: u32,
}

const EMPTY: Node = Node {
    left: NIL,
    right: NIL,
    up: NIL,
    prev: NIL,
    next: NIL,
    prio: 0,
};

pub(super) struct Status {
    nodes: Vec<Node>,
    root: u32,
    /// lowest and highest edge
    first: u32,
    last: u32,
    seed: u64,
}

impl Status {
    pub(super) fn new(edges: usize) -> Status {
        Status {
            nodes: vec![EMPTY; edges],
            root: NIL,
            first: NIL,
            last: NIL,
            seed: 0x2545_F491_4F6C_DD1D,
        }
    }

    pub(super) fn prev(&self, e: u32) -> u32 {
        self.nodes[e as usize].prev
    }

    pub(super) fn next(&self, e: u32) -> u32 {
        self.nodes[e as usize].next
    }

    pub(super) fn first(&self) -> u32 {
        self.first
    }

    pub(super) fn last(&self) -> u32 {
        self.last
    }

    /// The highest edge for which `below(edge)` holds, given that it holds
    /// for every edge up to some point and for none after it.
    pub(super) fn last_where(&self, below: impl Fn(u32) -> bool) -> u32 {
        let (mut x, mut found) = (self.root, NIL);
        while x != NIL {
            if below(x) {
                found = x;
                x = self.nodes[x as usize].right;
            } else {
                x = self.nodes[x as usize].left;
            }
        }
        found
    }

    /// Puts `e` in its place by `order(e, other)`.
    pub(super) fn insert(&mut self, e: u32, order: impl Fn(u32, u32) -> Ordering) {
        // xorshift: deterministic, and no input can line the priorities up
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        let mut node = Node {
            prio: (self.seed >> 32) as u32,
            ..EMPTY
        };
        let (mut x, mut up, mut left) = (self.root, NIL, false);
        while x != NIL {
            up = x;
            left = order(e, x) == Ordering::Less;
            x = if left {
                self.nodes[x as usize].left
            } else {
                self.nodes[x as usize].right
            };
        }
        node.up = up;
        if up == NIL {
            self.root = e;
        } else if left {
            // just below `up`
            node.next = up;
            node.prev = self.nodes[up as usize].prev;
            self.nodes[up as usize].left = e;
        } else {
            node.prev = up;
            node.next = self.nodes[up as usize].next;
            self.nodes[up as usize].right = e;
        }
        self.nodes[e as usize] = node;
        self.link(node.prev, e, node.next);
        while node.up != NIL && self.nodes[node.up as usize].prio < node.prio {
            self.rotate_up(e);
            node = self.nodes[e as usize];
        }
    }

    /// Takes `e` out.
    pub(super) fn remove(&mut self, e: u32) {
        loop {
            let n = self.nodes[e as usize];
            let child = match (n.left, n.right) {
                (NIL, NIL) => break,
                (c, NIL) | (NIL, c) => c,
                (l, r) if self.nodes[l as usize].prio > self.nodes[r as usize].prio => l,
                (_, r) => r,
            };
            self.rotate_up(child);
        }
        let n = self.nodes[e as usize];
        self.set_child(n.up, e, NIL);
        match (n.prev, n.next) {
            (NIL, NIL) => {
                self.first = NIL;
                self.last = NIL;
            }
            (NIL, next) => {
                self.first = next;
                self.nodes[next as usize].prev = NIL;
            }
            (prev, NIL) => {
                self.last = prev;
                self.nodes[prev as usize].next = NIL;
            }
            (prev, next) => {
                self.nodes[prev as usize].next = next;
                self.nodes[next as usize].prev = prev;
            }
        }
        self.nodes[e as usize] = EMPTY;
    }

    /// Puts `new` where `old` is, and takes `old` out: for an edge that
    /// continues one ending at the same point, with nothing between.
    pub(super) fn replace(&mut self, old: u32, new: u32) {
        let n = self.nodes[old as usize];
        self.nodes[new as usize] = n;
        self.nodes[old as usize] = EMPTY;
        self.set_child(n.up, old, new);
        for c in [n.left, n.right] {
            if c != NIL {
                self.nodes[c as usize].up = new;
            }
        }
        self.link(n.prev, new, n.next);
    }

    /// `prev`, `e`, `next` become neighbours.
    fn link(&mut self, prev: u32, e: u32, next: u32) {
        if prev == NIL {
            self.first = e;
        } else {
            self.nodes[prev as usize].next = e;
        }
        if next == NIL {
            self.last = e;
        } else {
            self.nodes[next as usize].prev = e;
        }
    }

    /// In `up` (or at the root), the child `old` becomes `new`.
    fn set_child(&mut self, up: u32, old: u32, new: u32) {
        if up == NIL {
            self.root = new;
        } else if self.nodes[up as usize].left == old {
            self.nodes[up as usize].left = new;
        } else {
            self.nodes[up as usize].right = new;
        }
    }

    /// Lifts `x` above its parent, keeping the order.
    fn rotate_up(&mut self, x: u32) {
        let p = self.nodes[x as usize].up;
        let g = self.nodes[p as usize].up;
        if self.nodes[p as usize].left == x {
            let moved = self.nodes[x as usize].right;
            self.nodes[p as usize].left = moved;
            if moved != NIL {
                self.nodes[moved as usize].up = p;
            }
            self.nodes[x as usize].right = p;
        } else {
            let moved = self.nodes[x as usize].left;
            self.nodes[p as usize].right = moved;
            if moved != NIL {
                self.nodes[moved as usize].up = p;
            }
            self.nodes[x as usize].left = p;
        }
        self.nodes[p as usize].up = x;
        self.nodes[x as usize].up = g;
        self.set_child(g, p, x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The threaded order and the tree agree with a sorted list, through
    /// inserts, removals and replacements.
    #[test]
    fn keeps_order_like_a_sorted_list() {
        // distinct values for 0..200; edge k + 200 may replace edge k
        let values: Vec<u32> = (0..400u32).map(|e| (e % 200) * 7919 % 200).collect();
        let order = |a: u32, b: u32| values[a as usize].cmp(&values[b as usize]);
        let mut s = Status::new(values.len());
        let mut model: Vec<u32> = Vec::new();
        let check = |s: &Status, model: &Vec<u32>| {
            let mut walked = Vec::new();
            let mut e = s.first();
            while e != NIL {
                walked.push(e);
                e = s.next(e);
            }
            assert_eq!(&walked, model);
            let mut back = Vec::new();
            let mut e = s.last();
            while e != NIL {
                back.push(e);
                e = s.prev(e);
            }
            back.reverse();
            assert_eq!(&back, model);
            for (k, &e) in model.iter().enumerate() {
                let below = s.last_where(|x| order(x, e) == Ordering::Less);
                assert_eq!(below, if k == 0 { NIL } else { model[k - 1] });
            }
        };
        for e in 0..200u32 {
            s.insert(e, order);
            let at = model.partition_point(|&x| order(x, e) == Ordering::Less);
            model.insert(at, e);
        }
        check(&s, &model);
        for k in (0..200u32).step_by(3) {
            s.remove(k);
            model.retain(|&x| x != k);
        }
        check(&s, &model);
        for k in (1..200u32).step_by(3) {
            s.replace(k, k + 200);
            let at = model.iter().position(|&x| x == k).unwrap();
            model[at] = k + 200;
        }
        check(&s, &model);
    }
}
