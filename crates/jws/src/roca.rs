//! The ROCA fingerprint (CVE-2017-15361): RSA moduli made by Infineon's RSALib, which can be
//! factored.
//!
//! RSALib built its primes as `k * M + (65537^a mod M)`, with `M` the product of the first
//! primes. So for every small prime `p` dividing `M`, the modulus `n` modulo `p` lies in
//! the subgroup that 65537 generates in the integers modulo `p`. A random modulus passes
//! that test for all of the primes below with a probability of about 2^-154 (Nemec et al.,
//! "The Return of Coppersmith's Attack", CCS 2017, section 5); an RSALib key always does.
//!
//! The test is a few reductions of `n` by products of the small primes: microseconds, once,
//! when a key is built, never per token.

/// The small primes of the fingerprint.
const PRIMES: [u32; 38] = [
    3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
];

/// Whether `residue` (modulo `p`) is a power of 65537 modulo `p`.
fn in_subgroup_of_65537(residue: u32, p: u32) -> bool {
    // The powers of 65537 modulo p cycle back to 1 within p - 1 steps (p is at most 167,
    // so the products fit a u32).
    let mut power = 1;
    for _ in 0..p {
        if power == residue {
            return true;
        }
        power = power * 65_537 % p;
        if power == 1 {
            break;
        }
    }
    false
}

/// `n` (big-endian) modulo `m`, for `m` below 2^56 (so that a shifted residue fits).
fn residue(n: &[u8], m: u64) -> u64 {
    n.iter().fold(0u64, |r, &b| (r * 256 + u64::from(b)) % m)
}

/// Whether the modulus `n` (big-endian) carries the ROCA fingerprint.
pub(crate) fn has_fingerprint(n: &[u8]) -> bool {
    // The primes grouped into products below 2^56, so that each group costs one pass.
    let mut i = 0;
    while i < PRIMES.len() {
        let mut product: u64 = 1;
        let mut end = i;
        while let Some(&p) = PRIMES.get(end) {
            if product * u64::from(p) >= 1 << 56 {
                break;
            }
            product *= u64::from(p);
            end += 1;
        }
        let r = residue(n, product);
        for &p in PRIMES.get(i..end).unwrap_or_default() {
            let rp = u32::try_from(r % u64::from(p)).unwrap_or(0);
            if !in_subgroup_of_65537(rp, p) {
                return false;
            }
        }
        i = end;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subgroups() {
        // Modulo 7, 65537 = 3 generates everything but 0.
        assert!((1..7).all(|r| in_subgroup_of_65537(r, 7)));
        assert!(!in_subgroup_of_65537(0, 7));
        // Modulo 11, 65537 = 10 = -1 generates {1, 10}.
        let members: Vec<u32> = (0..11).filter(|&r| in_subgroup_of_65537(r, 11)).collect();
        assert_eq!(members, [1, 10]);
        // Modulo 3, 65537 = 2 generates {1, 2}.
        assert!(in_subgroup_of_65537(2, 3));
        assert!(!in_subgroup_of_65537(0, 3));
    }

    #[test]
    fn residues() {
        assert_eq!(residue(&[0x01, 0x00], 7), 256 % 7);
        assert_eq!(residue(&[0xff; 8], 1 << 20), u64::MAX % (1 << 20));
        assert_eq!(residue(&[], 13), 0);
    }

    #[test]
    fn powers_of_65537_have_it_and_their_neighbours_do_not() {
        // 65537^a itself is in every subgroup.
        let mut n = vec![0u8; 8];
        let value: u64 = 65_537u64.pow(3);
        n.copy_from_slice(&value.to_be_bytes());
        assert!(has_fingerprint(&n));
        let other = (value + 2).to_be_bytes();
        assert!(!has_fingerprint(&other));
        assert!(!has_fingerprint(&[]));
    }
}
