"""Revocation data fetched only from allow-listed responders.

The public validator makes the server fetch OCSP responses, CRLs and issuer certificates from
URLs written in the uploaded PDF's certificates: without a bound, anyone could make the server
call any address. This backend wraps pyhanko-certvalidator's own fetchers (its public fetcher API)
and lets a fetch through only when every URL the certificate names for it starts with one of the
allowed prefixes; otherwise the fetch fails as if the responder were unreachable (the signature is
then reported with an unknown revocation status, never valid). The number of requests per
validation is bounded by :class:`FetchLimits`, each request by a timeout.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable, Sequence

from asn1crypto import x509
from pyhanko_certvalidator import errors
from pyhanko_certvalidator.fetchers.api import (
    CertificateFetcher,
    CRLFetcher,
    FetcherBackend,
    Fetchers,
    FetchLimits,
    OCSPFetcher,
)
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

PER_REQUEST_TIMEOUT = 5


def _allowed(urls: Iterable[str], prefixes: Sequence[str]) -> bool:
    urls = [u for u in urls if u]
    return bool(urls) and all(any(u.startswith(p) for p in prefixes) for u in urls)


def _crl_urls(cert) -> list[str]:
    if not isinstance(cert, x509.Certificate):
        return []
    points = list(cert.crl_distribution_points or []) + list(
        cert.delta_crl_distribution_points or []
    )
    return [point.url for point in points if point.url]


def _issuer_urls(cert) -> list[str]:
    if not isinstance(cert, x509.Certificate) or not cert.authority_information_access_value:
        return []
    return [
        entry["access_location"].native
        for entry in cert.authority_information_access_value
        if entry["access_method"].native == "ca_issuers"
    ]


class _OCSP(OCSPFetcher):
    def __init__(self, inner: OCSPFetcher, prefixes: Sequence[str]) -> None:
        self.inner, self.prefixes = inner, prefixes

    async def fetch(self, cert, authority):
        urls = cert.ocsp_urls if isinstance(cert, x509.Certificate) else []
        if not _allowed(urls, self.prefixes):
            raise errors.OCSPFetchError(f"OCSP responder not allowed: {urls}")
        return await self.inner.fetch(cert, authority)

    def fetched_responses(self):
        return self.inner.fetched_responses()

    def fetched_responses_for_cert(self, cert):
        return self.inner.fetched_responses_for_cert(cert)


class _CRL(CRLFetcher):
    def __init__(self, inner: CRLFetcher, prefixes: Sequence[str]) -> None:
        self.inner, self.prefixes = inner, prefixes

    async def fetch(self, cert, *, use_deltas=None):
        urls = _crl_urls(cert)
        if not _allowed(urls, self.prefixes):
            raise errors.CRLFetchError(f"CRL distribution point not allowed: {urls}")
        return await self.inner.fetch(cert, use_deltas=use_deltas)

    def fetched_crls(self):
        return self.inner.fetched_crls()

    def fetched_crls_for_cert(self, cert):
        return self.inner.fetched_crls_for_cert(cert)


class _Certs(CertificateFetcher):
    def __init__(self, inner: CertificateFetcher, prefixes: Sequence[str]) -> None:
        self.inner, self.prefixes = inner, prefixes

    async def fetch_cert_issuers(self, cert) -> AsyncGenerator[x509.Certificate, None]:
        if _allowed(_issuer_urls(cert), self.prefixes):
            async for issuer in self.inner.fetch_cert_issuers(cert):
                yield issuer

    async def fetch_crl_issuers(self, certificate_list) -> AsyncGenerator[x509.Certificate, None]:
        # CRL issuers are not fetched: the trust roots and the certificates in the PDF suffice.
        for _ in ():
            yield _

    def fetched_certs(self):
        return self.inner.fetched_certs()


class AllowlistedFetcherBackend(FetcherBackend):
    def __init__(self, prefixes: Sequence[str], limits: FetchLimits) -> None:
        self.prefixes = tuple(prefixes)
        self.inner = RequestsFetcherBackend(per_request_timeout=PER_REQUEST_TIMEOUT, limits=limits)

    def get_fetchers(self) -> Fetchers:
        inner = self.inner.get_fetchers()
        return Fetchers(
            ocsp_fetcher=_OCSP(inner.ocsp_fetcher, self.prefixes),
            crl_fetcher=_CRL(inner.crl_fetcher, self.prefixes),
            cert_fetcher=_Certs(inner.cert_fetcher, self.prefixes),
        )

    async def close(self) -> None:
        await self.inner.close()


def allowlisted_backend(prefixes: Sequence[str], limits: FetchLimits) -> AllowlistedFetcherBackend:
    return AllowlistedFetcherBackend(prefixes, limits)
