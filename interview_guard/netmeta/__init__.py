"""Network, device and account metadata: readers, offline IP intelligence, remote-access catalog,
and the activity / account analyses the network and account checks use.

Submodules are imported on demand (``from interview_guard.netmeta.readers import read_events``);
nothing heavy happens at import.
"""
