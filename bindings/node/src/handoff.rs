//! [`Handoff`]: values handed from threads to another without a lock.
//!
//! Why lock-free: reader threads in a crowd of streams run at nice 10, and a lock the JS
//! thread shares with them (Node's threadsafe-function queue, a malloc arena) is held,
//! now and then, by a reader the scheduler preempted; the JS thread then waited for that
//! reader to run again (up to 36 ms in one wait, seen with `perf sched` over 1,000 streams).

use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

/// A stack any thread pushes onto and one taker empties at once (no lock on either
/// side). Its nodes are two words plus the value: freed on whichever thread takes them,
/// they go to that thread's malloc caches without taking an arena's lock.
pub(crate) struct Handoff<T> {
    head: AtomicPtr<Node<T>>,
}

struct Node<T> {
    value: T,
    next: *mut Node<T>,
}

// SAFETY: the stack owns its values (moved in by `push`, out by `take_all`) and reaches
// them only through the atomic head, so it is as Send and Sync as moving a `T` is.
unsafe impl<T: Send> Send for Handoff<T> {}
unsafe impl<T: Send> Sync for Handoff<T> {}

impl<T> Default for Handoff<T> {
    fn default() -> Self {
        Handoff { head: AtomicPtr::new(ptr::null_mut()) }
    }
}

impl<T> Handoff<T> {
    /// Adds `value`; any thread.
    pub(crate) fn push(&self, value: T) {
        let node = Box::into_raw(Box::new(Node { value, next: ptr::null_mut() }));
        let mut head = self.head.load(Ordering::SeqCst);
        loop {
            // SAFETY: `node` is only ours until the exchange publishes it.
            unsafe { (*node).next = head };
            // No ABA hazard: nodes only leave all at once (`take_all` swaps the head out),
            // so whatever `head` holds when the exchange succeeds is a live stack.
            match self.head.compare_exchange_weak(head, node, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => return,
                Err(current) => head = current,
            }
        }
    }

    /// Everything pushed so far, oldest first.
    pub(crate) fn take_all(&self) -> Vec<T> {
        let first = self.head.swap(ptr::null_mut(), Ordering::SeqCst);
        // Counted first, so the vector is allocated once: growing it would `realloc`,
        // which takes the arena's lock even for a small block.
        let mut count = 0;
        let mut node = first;
        while !node.is_null() {
            count += 1;
            // SAFETY: the swap made this whole stack ours; its nodes are live until freed below.
            node = unsafe { (*node).next };
        }
        let mut values = Vec::with_capacity(count);
        node = first;
        while !node.is_null() {
            // SAFETY: the swap made this whole stack ours; every node came from `Box::into_raw`.
            let taken = unsafe { Box::from_raw(node) };
            node = taken.next;
            values.push(taken.value);
        }
        values.reverse();
        values
    }
}

impl<T> Drop for Handoff<T> {
    fn drop(&mut self) {
        self.take_all();
    }
}

#[cfg(test)]
mod tests {
    use super::Handoff;
    use std::sync::Arc;

    #[test]
    fn every_value_pushed_from_many_threads_is_taken_once_in_each_threads_order() {
        let stack = Arc::new(Handoff::default());
        let pushers: Vec<_> = (0..4u32)
            .map(|t| {
                let stack = stack.clone();
                std::thread::spawn(move || (0..10_000u32).for_each(|i| stack.push((t, i))))
            })
            .collect();
        let mut taken = Vec::new();
        while pushers.iter().any(|p| !p.is_finished()) {
            taken.extend(stack.take_all());
        }
        pushers.into_iter().for_each(|p| p.join().unwrap());
        taken.extend(stack.take_all());
        assert_eq!(taken.len(), 40_000);
        for t in 0..4 {
            let mine: Vec<u32> = taken.iter().filter(|(from, _)| *from == t).map(|(_, i)| *i).collect();
            assert_eq!(mine, (0..10_000).collect::<Vec<_>>(), "thread {t}'s values, in its order");
        }
    }

    #[test]
    fn values_left_in_the_stack_are_dropped_with_it() {
        let value = Arc::new(());
        let stack = Handoff::default();
        stack.push(value.clone());
        stack.push(value.clone());
        drop(stack);
        assert_eq!(Arc::strong_count(&value), 1);
    }
}
