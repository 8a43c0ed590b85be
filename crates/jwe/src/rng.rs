//! Randomness for what every message needs fresh: IVs, content keys, PBES2 salts.
//!
//! A system call per IV was most of the cost of a `dir` encryption (some 230 ns of it on
//! a small server core, against 5 ns here). Each thread keeps a ChaCha12 generator
//! (`rand`'s `StdRng`, the generator behind its `ThreadRng`) seeded from the operating
//! system, and reseeds it from the operating system after every 64 KiB of output.
//!
//! Why this is safe: ChaCha12 is a cryptographically secure generator (a stream cipher
//! keyed by 256 bits from the OS); knowing outputs does not reveal the key or earlier
//! outputs beyond the reseed window, and each thread has its own state, so threads never
//! share a stream. What it does not do (like `ThreadRng`): notice a `fork()` of the
//! process without `exec`, after which parent and child would draw the same IVs. Rust
//! servers do not fork that way (`std::process::Command` execs at once); a program that
//! does must not encrypt in the child with a thread that encrypted before the fork.
//! Long-term keys (key generation) still come straight from the operating system.

use std::cell::RefCell;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

use crate::Error;

/// Output after which a thread's generator is reseeded from the operating system.
const RESEED_AFTER: usize = 64 * 1024;

struct Local {
    rng: StdRng,
    drawn: usize,
}

thread_local! {
    static LOCAL: RefCell<Option<Local>> = const { RefCell::new(None) };
}

/// Fills `buf` from this thread's generator, seeding or reseeding it first when due.
///
/// # Errors
/// [`Error::Random`] when the operating system's generator fails at a (re)seed.
pub(crate) fn fill(buf: &mut [u8]) -> Result<(), Error> {
    LOCAL.with(|cell| {
        let mut slot = cell.borrow_mut();
        let local = match slot.take() {
            Some(local) if local.drawn < RESEED_AFTER => local,
            _ => Local {
                rng: StdRng::try_from_rng(&mut getrandom::SysRng).map_err(|_| Error::Random)?,
                drawn: 0,
            },
        };
        let local = slot.insert(local);
        local.rng.fill_bytes(buf);
        local.drawn = local.drawn.saturating_add(buf.len());
        Ok(())
    })
}

/// `len` bytes straight from the operating system, for long-term keys.
///
/// # Errors
/// [`Error::Random`] when the operating system's generator fails.
pub(crate) fn os_random(len: usize) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
    use rand_core::TryRng as _;
    let mut buf = zeroize::Zeroizing::new(vec![0u8; len]);
    getrandom::SysRng
        .try_fill_bytes(&mut buf)
        .map_err(|_| Error::Random)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_differ_and_reseed_is_counted() {
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        fill(&mut a).unwrap();
        fill(&mut b).unwrap();
        assert_ne!(a, b);
        assert_ne!(a, [0; 32]);
        // Past the threshold the generator is replaced: the count starts again.
        let mut big = vec![0u8; RESEED_AFTER];
        fill(&mut big).unwrap();
        fill(&mut a).unwrap();
        let drawn = LOCAL.with(|c| c.borrow().as_ref().map(|l| l.drawn));
        assert_eq!(drawn, Some(32));
    }

    #[test]
    fn threads_draw_different_streams() {
        let draw = || {
            let mut x = [0u8; 16];
            fill(&mut x).unwrap();
            x
        };
        let here = draw();
        let there = std::thread::spawn(draw).join().unwrap();
        assert_ne!(here, there);
    }
}
