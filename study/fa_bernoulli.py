"""False alarms of the Bernoulli GLR on stationary streams: max over splits of G_{s,n} for every n."""
import sys, time
import numpy as np

def xlx(x):
    return np.where(x > 0, x * np.log(np.where(x > 0, x, 1.0)), 0.0)

def max_glr_path(y):
    """y: (R, N) 0/1. Returns M (R, N): M[:, n-1] = max_{1<=s<n} G_{s,n} (0 for n=1)."""
    R, N = y.shape
    table = xlx(np.arange(N + 1, dtype=float))
    c = np.concatenate([np.zeros((R, 1), int), np.cumsum(y, axis=1)], axis=1)  # c[:, k] = sum of first k
    M = np.zeros((R, N))
    for n in range(2, N + 1):
        s = np.arange(1, n)
        S1 = c[:, 1:n]                      # (R, n-1)
        S = c[:, n:n + 1]
        S2 = S - S1
        g = (table[S1] + table[s - S1] - table[s]) + (table[S2] + table[(n - s) - S2] - table[n - s]) - (table[S] + table[n - S] - table[n])
        M[:, n - 1] = g.max(axis=1)
    return M

if __name__ == "__main__":
    R, N = int(sys.argv[1]), int(sys.argv[2])
    out = {}
    for p in [0.05, 0.3, 0.5, 0.9]:
        t = time.time()
        y = (np.random.default_rng(int(p * 1000)).random((R, N)) < p).astype(int)
        out[p] = max_glr_path(y)
        print(p, time.time() - t, flush=True)
    np.savez_compressed(f"/tmp/fa_bern_{R}_{N}.npz", **{str(k): v.astype(np.float32) for k, v in out.items()})
