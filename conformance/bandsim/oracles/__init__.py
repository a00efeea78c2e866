"""The oracles that judge a run beyond the replies: liveness (every
operation ends within its deadline, no band left busy; liveness.py),
ground truth (the samples a client holds are the band's log, each once;
ground_truth.py) and the band's state before and after a step
(snapshot.py: bad input changes nothing); and a sync as the phone alone
can judge it, for a band with no control plane (phone_side.py).
"""
