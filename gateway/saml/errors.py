"""SAML refusals: one class per reason, each with its HTTP status and stable machine code."""

from __future__ import annotations

from gateway.errors import GatewayError


class SamlError(GatewayError):
    """Base of every SAML refusal; the message says what to change, the code is stable."""

    status = 403
    code = "saml_invalid"


class SamlInputError(SamlError):
    """The request body itself is unusable (encoding, size, XML syntax)."""

    status = 400
    code = "saml_bad_input"


class MalformedXml(SamlInputError):
    code = "malformed_xml"


class CommentInjection(MalformedXml):
    code = "comment_injection"


class TooLarge(SamlInputError):
    status = 413
    code = "too_large"


class NotBase64(SamlInputError):
    code = "not_base64"


class EmptyResponse(SamlInputError):
    code = "empty_response"


class SignatureInvalid(SamlError):
    code = "signature_invalid"


class SignatureMissing(SamlError):
    code = "signature_missing"


class SignatureWrapping(SamlError):
    code = "signature_wrapping"


class UntrustedKey(SamlError):
    code = "untrusted_key"


class WeakAlgorithm(SamlError):
    code = "weak_algorithm"


class UnsupportedAlgorithm(SamlError):
    code = "unsupported_algorithm"


class MultipleAssertions(SamlError):
    code = "multiple_assertions"


class AssertionMissing(SamlError):
    code = "assertion_missing"


class IssuerUnknown(SamlError):
    code = "issuer_unknown"


class AudienceMismatch(SamlError):
    code = "audience_mismatch"


class RecipientMismatch(SamlError):
    code = "recipient_mismatch"


class DestinationMismatch(SamlError):
    code = "destination_mismatch"


class Expired(SamlError):
    code = "expired"


class NotYetValid(SamlError):
    code = "not_yet_valid"


class InResponseToUnknown(SamlError):
    code = "in_response_to_unknown"


class UnsolicitedNotAllowed(SamlError):
    code = "unsolicited_not_allowed"


class Replayed(SamlError):
    code = "replayed"


class StatusNotSuccess(SamlError):
    code = "status_not_success"


class SubjectConfirmationInvalid(SamlError):
    code = "subject_confirmation_invalid"


class DecryptionFailed(SamlError):
    code = "decryption_failed"


class EncryptedAssertionNotEnabled(SamlError):
    code = "encrypted_assertion_not_enabled"


class MetadataInvalid(SamlInputError):
    code = "metadata_invalid"
