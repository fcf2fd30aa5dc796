"""Client profiles (per token) and the record of quirks a request needed to be accepted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from gateway.scim.errors import ScimError

# ``zoom`` is Zoom's dialect on /scim2 (gateway/zoom_scim), never a token's choice on /scim/v2.
ClientProfile = Literal["strict", "compatible", "okta", "entra", "zoom"]
CLIENT_PROFILES: tuple[str, ...] = get_args(ClientProfile)
TOKEN_PROFILES: tuple[str, ...] = ("strict", "compatible", "okta", "entra")


@dataclass
class Leniency:
    """Accepts a known client quirk (and remembers it) unless the profile is ``strict``."""

    profile: ClientProfile = "compatible"
    quirks: list[str] = field(default_factory=list)

    @property
    def strict(self) -> bool:
        """Whether every quirk is refused."""
        return self.profile == "strict"

    def tolerate(self, quirk: str, refusal: ScimError) -> None:
        """Record ``quirk``, or raise ``refusal`` under the strict profile.

        Raises the given ScimError when the profile is strict.
        """
        if self.strict:
            raise refusal
        if quirk not in self.quirks:
            self.quirks.append(quirk)
