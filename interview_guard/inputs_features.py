"""Features read straight from case inputs that several families share."""
from __future__ import annotations

from .claims import Claims, load_claims
from .features import FeatureEnv, FeatureUnavailable, feature


@feature("claims", "derived", description="claims file merged with resume-derived claims")
def claims_feature(env: FeatureEnv, get) -> Claims:
    claims = load_claims(env.inputs.claims) if env.inputs.claims else Claims()
    try:
        resume_claims = get("resume_claims")
    except FeatureUnavailable:
        resume_claims = None
    if resume_claims is not None:
        claims = claims.merged_with(resume_claims) if not claims.is_empty else resume_claims
    return claims
