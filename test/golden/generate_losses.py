# Golden values for @kd/losses, from an independent PyTorch reference (float64 on float32 inputs).
# Regenerate with:   /usr/bin/python3 test/golden/generate_losses.py
# (Debian's python3-torch; the first python3 on PATH may lack torch). Writes losses.json beside
# this script; the JSON is committed, so tests and CI never need Python.
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20150309)  # the paper's arXiv date: any fixed seed would do


def f32(t):
    """Rounds to float32 (what the tests feed tfjs) and computes on in float64."""
    return t.float().double()


def logits(batch, classes, scale=3.0):
    return f32(torch.randn(batch, classes, dtype=torch.float64) * scale)


def as_list(t):
    return t.detach().tolist()


def grad_of(value, wrt):
    (g,) = torch.autograd.grad(value, wrt, retain_graph=True)
    return as_list(g)


def distillation_reference(z, v, probs, labels, kind, T, soft_weight, hard_weight):
    z = z.clone().requires_grad_(True)
    log_q = F.log_softmax(z / T, dim=1)
    target = probs if probs is not None else F.softmax(v / T, dim=1)
    soft = F.kl_div(log_q, target, reduction='batchmean') * T * T
    out = {'soft': soft}
    total = soft_weight * soft
    if labels is not None:
        if kind == 'ids':
            hard = F.cross_entropy(z, labels, ignore_index=-1)
        else:  # label rows; an all-zero row has no label
            per_example = -(labels * F.log_softmax(z, dim=1)).sum(1)
            hard = per_example.sum() / (labels.sum(1) > 0).sum()
        out['hard'] = hard
        total = total + hard_weight * hard
    out['total'] = total
    return {k: v.item() for k, v in out.items()}, grad_of(total, z), grad_of(soft, z)


def distillation_cases():
    cases = []
    specs = [
        ('T=1, no labels', 5, 4, 1.0, 1.0, 0.0, None),
        ('T=4, class ids', 6, 5, 4.0, 0.7, 0.3, 'ids'),
        ('T=20, class ids with -1 (partly labelled)', 8, 10, 20.0, 1.0, 0.1, 'ids-partial'),
        ('T=2, one-hot rows with an all-zero row', 5, 3, 2.0, 0.5, 0.5, 'rows'),
        ('T=3, soft label rows', 4, 6, 3.0, 1.0, 0.25, 'soft-rows'),
        ('T=4, teacherProbs with a zero probability', 6, 5, 4.0, 1.0, 0.0, 'probs'),
        ('T=1, logits of magnitude 1e4', 3, 4, 1.0, 1.0, 0.5, 'ids-large'),
    ]
    for name, batch, classes, T, sw, hw, kind in specs:
        scale = 1e4 if kind == 'ids-large' else 3.0
        z, v = logits(batch, classes, scale), logits(batch, classes, scale)
        case = {'name': name, 'temperature': T, 'softWeight': sw, 'hardWeight': hw,
                'studentLogits': as_list(z)}
        probs = labels = None
        label_kind = None
        if kind == 'probs':
            p = F.softmax(v / T, dim=1)
            p[0, 2] = 0.0
            probs = f32(p / p.sum(1, keepdim=True))
            case['teacherProbs'] = as_list(probs)
        else:
            case['teacherLogits'] = as_list(v)
        if kind in ('ids', 'ids-partial', 'ids-large'):
            labels = torch.randint(0, classes, (batch,))
            if kind == 'ids-partial':
                labels[1] = -1
                labels[4] = -1
            label_kind = 'ids'
            case['labels'] = {'ids': labels.tolist()}
        elif kind in ('rows', 'soft-rows'):
            ids = torch.randint(0, classes, (batch,))
            if kind == 'rows':
                labels = F.one_hot(ids, classes).double()
                labels[2] = 0.0
            else:
                labels = f32(F.softmax(torch.randn(batch, classes, dtype=torch.float64) * 2, dim=1))
            label_kind = 'rows'
            case['labels'] = {'rows': as_list(labels)}
        expected, grad_total, grad_soft = distillation_reference(z, v, probs, labels, label_kind, T, sw, hw)
        case['expected'] = expected
        case['gradTotal'] = grad_total
        case['gradSoft'] = grad_soft
        cases.append(case)
    return cases


def logit_matching_cases():
    cases = []
    for name, batch, classes in [('5x4', 5, 4), ('3x10', 3, 10)]:
        z, v = logits(batch, classes), logits(batch, classes)
        zg = z.clone().requires_grad_(True)
        # 1/(2 N B) * sum of squared differences of per-row zero-meaned logits
        diff = (zg - zg.mean(1, keepdim=True)) - (v - v.mean(1, keepdim=True))
        loss = F.mse_loss(diff, torch.zeros_like(diff), reduction='sum') / (2 * batch * classes)
        cases.append({'name': name, 'studentLogits': as_list(z), 'teacherLogits': as_list(v),
                      'expected': loss.item(), 'grad': grad_of(loss, zg)})
    return cases


def hint_cases():
    cases = []
    s, t = f32(torch.randn(4, 3, 3, 2, dtype=torch.float64)), f32(torch.randn(4, 3, 3, 2, dtype=torch.float64))
    sg = s.clone().requires_grad_(True)
    loss = F.mse_loss(sg, t)
    cases.append({'name': 'same shape, no projection', 'studentFeatures': as_list(s), 'teacherFeatures': as_list(t),
                  'expected': loss.item(), 'grad': grad_of(loss, sg)})
    s, t = f32(torch.randn(4, 6, dtype=torch.float64)), f32(torch.randn(4, 5, dtype=torch.float64))
    w = f32(torch.randn(6, 5, dtype=torch.float64) * 0.5)
    sg = s.clone().requires_grad_(True)
    loss = F.mse_loss(sg @ w, t)
    cases.append({'name': 'linear projection 6 -> 5', 'studentFeatures': as_list(s), 'teacherFeatures': as_list(t),
                  'projectionMatrix': as_list(w), 'expected': loss.item(), 'grad': grad_of(loss, sg)})
    return cases


def attention_map(x_nhwc, p):
    x = x_nhwc.permute(0, 3, 1, 2)  # torch's NCHW
    return F.normalize(x.abs().pow(p).mean(1).view(x.size(0), -1), dim=1)


def attention_cases():
    cases = []
    for name, p, cs, ct in [('p=2, 3 vs 5 channels', 2.0, 3, 5), ('p=1, 4 vs 2 channels', 1.0, 4, 2)]:
        s, t = f32(torch.randn(3, 4, 4, cs, dtype=torch.float64)), f32(torch.randn(3, 4, 4, ct, dtype=torch.float64))
        sg = s.clone().requires_grad_(True)
        loss = (attention_map(sg, p) - attention_map(t, p)).pow(2).mean()
        cases.append({'name': name, 'p': p, 'studentFeatures': as_list(s), 'teacherFeatures': as_list(t),
                      'expected': loss.item(), 'grad': grad_of(loss, sg)})
    return cases


def dkd_reference(z, v, y, T, alpha, beta):
    """DKD from the paper's definitions: gather the target, renormalise the rest."""
    p, q = F.softmax(v / T, dim=1), F.softmax(z / T, dim=1)
    idx = y.view(-1, 1)
    pt, qt = p.gather(1, idx), q.gather(1, idx)
    bt, bs = torch.cat([pt, 1 - pt], 1), torch.cat([qt, 1 - qt], 1)
    tckd = (bt * (bt.log() - bs.log())).sum(1).mean() * T * T
    keep = torch.ones_like(p, dtype=torch.bool).scatter(1, idx, False)
    classes = p.size(1)
    p_hat = p[keep].view(-1, classes - 1) / (1 - pt)
    q_hat = q[keep].view(-1, classes - 1) / (1 - qt)
    nckd = (p_hat * (p_hat.log() - q_hat.log())).sum(1).mean() * T * T
    return alpha * tckd + beta * nckd, tckd, nckd


def dkd_cases():
    cases = []
    for name, batch, classes, T, alpha, beta in [('T=4, alpha 1, beta 8', 6, 5, 4.0, 1.0, 8.0),
                                                  ('T=1, alpha 0.5, beta 2, 2 classes', 4, 2, 1.0, 0.5, 2.0),
                                                  ('T=2, 10 classes', 5, 10, 2.0, 1.0, 1.0)]:
        z, v = logits(batch, classes), logits(batch, classes)
        y = torch.randint(0, classes, (batch,))
        zg = z.clone().requires_grad_(True)
        total, tckd, nckd = dkd_reference(zg, v, y, T, alpha, beta)
        cases.append({'name': name, 'temperature': T, 'alpha': alpha, 'beta': beta,
                      'studentLogits': as_list(z), 'teacherLogits': as_list(v), 'labels': y.tolist(),
                      'expected': {'total': total.item(), 'tckd': tckd.item(), 'nckd': nckd.item()},
                      'grad': grad_of(total, zg)})
    return cases


def pearson_rows(a, b, eps=1e-8):
    a = a - a.mean(1, keepdim=True)
    b = b - b.mean(1, keepdim=True)
    return (a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1) + eps)


def dist_cases():
    cases = []
    for name, batch, classes, T, beta, gamma, with_probs in [('T=1, beta 1, gamma 1', 6, 5, 1.0, 1.0, 1.0, False),
                                                             ('T=4, beta 2, gamma 0.5', 8, 10, 4.0, 2.0, 0.5, False),
                                                             ('T=2, teacherProbs', 5, 4, 2.0, 1.0, 1.0, True)]:
        z, v = logits(batch, classes), logits(batch, classes)
        zg = z.clone().requires_grad_(True)
        ys = F.softmax(zg / T, dim=1)
        yt = f32(F.softmax(v / T, dim=1)) if with_probs else F.softmax(v / T, dim=1)
        inter = T * T * (1 - pearson_rows(ys, yt).mean())
        intra = T * T * (1 - pearson_rows(ys.t(), yt.t()).mean())
        total = beta * inter + gamma * intra
        case = {'name': name, 'temperature': T, 'beta': beta, 'gamma': gamma, 'studentLogits': as_list(z),
                'expected': {'total': total.item(), 'inter': inter.item(), 'intra': intra.item()},
                'grad': grad_of(total, zg)}
        if with_probs:
            case['teacherProbs'] = as_list(yt)
        else:
            case['teacherLogits'] = as_list(v)
        cases.append(case)
    return cases


golden = {
    'generator': 'test/golden/generate_losses.py',
    'torch': torch.__version__,
    'distillation': distillation_cases(),
    'logitMatching': logit_matching_cases(),
    'hint': hint_cases(),
    'attentionTransfer': attention_cases(),
    'decoupledKd': dkd_cases(),
    'dist': dist_cases(),
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'losses.json')
with open(path, 'w') as out:
    json.dump(golden, out, indent=1)
    out.write('\n')
print(f'wrote {path}')
