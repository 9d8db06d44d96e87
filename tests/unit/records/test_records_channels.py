"""How departments and providers receive work: each channel is checked and normalised."""
import pytest

from callcenter.domain.channels import ChannelError, clean_channels, public_view


def test_channels_are_normalised():
    out = clean_channels([{"kind": "portal"},
                          {"kind": "webhook", "url": "https://mz.example.gov.cn/in", "secret": "s" * 20},
                          {"kind": "fax", "number": "0553-3110001"},
                          {"kind": "sms", "numbers": "138 0013 8000; 13900139000"},
                          {"kind": "email", "address": "mz@example.gov.cn"}])
    assert out[2] == {"kind": "fax", "number": "+865533110001"}
    assert out[3]["numbers"] == ["+8613800138000", "+8613900139000"]


@pytest.mark.parametrize("channel", [
    {"kind": "pigeon"}, {"kind": "webhook", "url": "ftp://x", "secret": "s" * 20},
    {"kind": "webhook", "url": "https://x.cn", "secret": "short"},
    {"kind": "sms", "numbers": "12"}, {"kind": "email", "address": "nobody"},
])
def test_bad_channels_are_refused_with_a_reason(channel):
    with pytest.raises(ChannelError):
        clean_channels([channel])


def test_no_channel_at_all_is_refused():
    with pytest.raises(ChannelError):
        clean_channels([])


def test_webhook_secrets_are_not_shown():
    shown = public_view([{"kind": "webhook", "url": "https://x.cn", "secret": "s" * 20}])
    assert "s" * 20 not in str(shown)
