"""The real Meta URLs the replica serves and links to, and which site a host belongs to."""

from __future__ import annotations

import re

META_HOST_SUFFIXES = ("facebook.com", "instagram.com", "meta.com", "fbcdn.net", "threads.net")

FB_FORM = "https://www.facebook.com/help/contact/6359191084165019"
FB_FORM_ALT = "https://www.facebook.com/help/contact/712876720715583"
IG_FORM = "https://help.instagram.com/contact/233964459562201"
IG_FORM_ALT = "https://help.instagram.com/contact/767264225370182"
THIRD_PARTY_FORM = "https://www.facebook.com/help/contact/510058597920541"
FB_GENERIC_OBJECTION = "https://www.facebook.com/help/contact/367438723733209"
FB_GENERIC_RIGHTS = "https://www.facebook.com/help/contact/1994830130782319"
IG_GENERIC_OBJECTION = "https://help.instagram.com/contact/117037592428568"

OBJECTION_FORM_IDS = {"6359191084165019", "712876720715583", "233964459562201", "767264225370182"}
DECOY_FORM_IDS = {"367438723733209", "1994830130782319", "117037592428568"}
THIRD_PARTY_FORM_ID = "510058597920541"

PRINTABLE = "https://mbasic.facebook.com/privacy/policy/printable/"

# world=meta-fetch: the objection form on Meta's new help host (unlisted: known only from the box).
META_HELP_FORM = "https://help.meta.com/support/privacy/ai-objection/"
# hostile=offhost/jslink/datalink: the box's objection link, off Meta or not a web address at all.
OFFHOST_FORM = "https://elsewhere.example/x.facebook.com/help/contact/6359191084165019"
JS_LINK = "javascript:void(0)"
DATA_LINK = "data:text/html;charset=utf-8,%3Ctitle%3EObject%3C%2Ftitle%3E%3Ch1%3EObject%3C%2Fh1%3E"

# Where each page of a platform lives. Invented paths (no source) are listed in NOTES.md.
URLS: dict[str, dict[str, str]] = {
    "facebook": {
        "home": "https://www.facebook.com/",
        "login": "https://www.facebook.com/login/",
        "settings": "https://www.facebook.com/settings/",
        "audience": "https://www.facebook.com/settings/?tab=privacy",
        "center": "https://www.facebook.com/privacy/center/",
        "search": "https://www.facebook.com/privacy/center/search/",
        "topics": "https://www.facebook.com/privacy/topics/",
        "resources": "https://www.facebook.com/privacy/resources/",
        "policies": "https://www.facebook.com/privacy/policies/",
        "policy": "https://www.facebook.com/privacy/policy/",
        "previous": "https://www.facebook.com/privacy/policy/version/",
        "printable": PRINTABLE,
        "genai": "https://www.facebook.com/privacy/genai/",
        "genai_info": "https://www.facebook.com/privacy/genai/info-you-shared/",
        "models": "https://www.facebook.com/privacy/dialog/how-generative-ai-models-work",
        "public_info": "https://www.facebook.com/privacy/policy?subpage=3.subpage.3-PublicContentWhatContent",
        "checkpoint": "https://www.facebook.com/checkpoint/",
        "meta_ai": "https://www.facebook.com/your_information/meta_ai/",
        "about": "https://about.meta.com/",
        "help": "https://www.facebook.com/help/",
        "terms": "https://www.facebook.com/terms/",
        "cookies_policy": "https://www.facebook.com/privacy/policies/cookies/",
        "community": "https://transparency.meta.com/policies/community-standards/",
        "accounts_center": "https://accountscenter.facebook.com/",
        "form": FB_FORM,
        "form_alt": FB_FORM_ALT,
        "generic_objection": FB_GENERIC_OBJECTION,
        "generic_rights": FB_GENERIC_RIGHTS,
    },
    "instagram": {
        "home": "https://www.instagram.com/",
        "login": "https://www.instagram.com/accounts/login/",
        "settings": "https://www.instagram.com/accounts/edit/",
        "privacy_setting": "https://www.instagram.com/accounts/privacy_setting/",
        "about": "https://www.instagram.com/accounts/about/",
        "account_status": "https://www.instagram.com/accounts/account_status/",
        "center": "https://privacycenter.instagram.com/",
        "search": "https://privacycenter.instagram.com/search/",
        "topics": "https://privacycenter.instagram.com/privacy/topics/",
        "resources": "https://privacycenter.instagram.com/resources/",
        "policies": "https://privacycenter.instagram.com/policies/",
        "policy": "https://privacycenter.instagram.com/policy/",
        "previous": "https://privacycenter.instagram.com/policy/?show_versions=1",
        "printable": PRINTABLE,
        "genai": "https://privacycenter.instagram.com/privacy/genai/",
        "genai_info": "https://privacycenter.instagram.com/privacy/genai/info-you-shared/",
        "models": "https://privacycenter.instagram.com/dialog/how-generative-ai-models-work",
        "public_info": "https://privacycenter.instagram.com/policy/?subpage=3.subpage.3-PublicContentWhatContent",
        "checkpoint": "https://www.instagram.com/challenge/",
        "meta_ai": "https://www.instagram.com/your_activity/meta_ai/",
        "help": "https://help.instagram.com/",
        "terms": "https://help.instagram.com/581066165581870",
        "cookies_policy": "https://privacycenter.instagram.com/policies/cookies/",
        "community": "https://help.instagram.com/477434105621119",
        "accounts_center": "https://accountscenter.instagram.com/",
        "form": IG_FORM,
        "form_alt": IG_FORM_ALT,
        "generic_objection": IG_GENERIC_OBJECTION,
        "generic_rights": FB_GENERIC_RIGHTS,
    },
}

_FB_WWW = re.compile(r"^(www|m|web|[a-z]{2}-[a-z]{2})\.facebook\.com$")


def host_kind(host: str) -> str | None:
    """Which group of pages a host serves: fb, mbasic, ig, igpc, ighelp, about, metahelp, accounts, cdn, bare; else
    None."""
    if _FB_WWW.match(host):
        return "fb"
    if host in ("facebook.com", "instagram.com"):
        return "bare"
    return {
        "mbasic.facebook.com": "mbasic",
        "www.instagram.com": "ig",
        "privacycenter.instagram.com": "igpc",
        "help.instagram.com": "ighelp",
        "about.meta.com": "about",
        "help.meta.com": "metahelp",
        "accountscenter.facebook.com": "accounts",
        "accountscenter.instagram.com": "accounts",
    }.get(host) or ("cdn" if host.endswith("fbcdn.net") else None)


def site_of(host: str) -> str:
    """The registrable domain a host's cookies belong to (``.facebook.com`` and so on)."""
    return ".".join(host.split(".")[-2:])


def platform_of(host: str) -> str:
    return "instagram" if site_of(host) == "instagram.com" else "facebook"


def is_meta_url(url: str) -> bool:
    match = re.match(r"^https://([a-z0-9.-]+)(/|$)", url)
    return match is not None and any(
        match.group(1) == s or match.group(1).endswith("." + s) for s in META_HOST_SUFFIXES
    )


def box_form_url(platform: str, formid: str) -> str:
    """The form a platform's AI box links to under the scenario's ``formid``."""
    if formid == "alt":
        return URLS[platform]["form_alt"]
    if formid == "fb":
        return FB_FORM
    return URLS[platform]["form"]


def box_link(platform: str, formid: str, world: str = "none", hostile: frozenset[str] = frozenset()) -> str:
    """The href of the box's objection link: the form, help.meta.com for world=meta-fetch, or a hostile one."""
    for key, href in (("offhost", OFFHOST_FORM), ("jslink", JS_LINK), ("datalink", DATA_LINK)):
        if key in hostile:
            return href
    return META_HELP_FORM if world == "meta-fetch" else box_form_url(platform, formid)
