"""bench/reference_common.py: what the comparison scripts share: the CPU's name, Keras's orthogonal draw."""


def cpu_name():
    """The machine's CPU, as /proc/cpuinfo names it (a figure names its machine)."""
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    return 'unknown CPU'


def keras_orthogonal(rows, columns):
    """Keras's Orthogonal: rows orthonormal for a wide matrix, from a normal draw's QR (PyTorch's
    generator, so the caller's torch.manual_seed decides it)."""
    import torch
    a = torch.randn(max(rows, columns), min(rows, columns))
    q, r = torch.linalg.qr(a)
    q = q * torch.sign(torch.diagonal(r))
    return q.T if rows < columns else q
