"""The lookup form: it only checks that something was typed. Normalising, validating the number and
comparing the key are the lookup service's work, so that every attempt is recorded."""

import datetime

from django import forms
from django.utils import timezone

from common.contract_numbers import is_well_formed, normalize
from dsure.models import LookupAttempt
from dsure.services import LookupOutcome

FAILURE_MESSAGE = (
    "保証契約番号または認証キーが正しくないか、貴団体で閲覧できる電子証書ではありません。"
    "「電子保証にかかる「認証キー」のお知らせ」の記載をご確認のうえ、再度入力してください。"
)
BAD_NUMBER_MESSAGE = (
    "保証契約番号の形式が正しくありません。"
    "数字5桁・ハイフン・数字5桁と英字1文字（例: 31073-00001M）の番号を、お知らせの記載どおりにご確認ください。"
    "（この入力は照会の回数に数えません。）"
)
LOCKED_MESSAGE = (
    "この電子証書は、認証キーの誤入力が続いたため照会を停止しています。"
    "受注者を通じて保証会社に認証キーの再発行を依頼してください。"
)
NUMBER_THROTTLE_MESSAGE = "この保証契約番号は、認証キーの誤入力が続いたため一時的に照会できません。"
TRIES_LEFT_MESSAGE = "あと{tries_left}回誤入力が続くと、照会を一時停止します。"
OFFICIAL_THROTTLE_MESSAGE = "認証キーの誤入力が続いたため、照会を一時停止しています。"


class KeyInput(forms.TextInput):
    """A text box that never writes the key back into the page."""

    def format_value(self, value):
        return None


class LookupForm(forms.Form):
    number = forms.CharField(
        label="保証契約番号",
        max_length=64,
        error_messages={"required": "保証契約番号を入力してください。"},
    )
    key = forms.CharField(
        label="認証キー",
        max_length=64,
        strip=False,
        widget=KeyInput,
        error_messages={"required": "認証キーを入力してください。"},
    )

    def add_outcome(self, outcome: LookupOutcome) -> None:
        """Put the message for an unsuccessful lookup where it belongs."""
        Result = LookupAttempt.Result
        if outcome.result == Result.BAD_NUMBER:
            self.add_error("number", BAD_NUMBER_MESSAGE)
            return
        if outcome.result == Result.LOCKED:
            self.add_error(None, LOCKED_MESSAGE)
            return
        messages = [FAILURE_MESSAGE] if outcome.result == Result.FAILURE else []
        if outcome.tries_left is not None:
            messages.append(TRIES_LEFT_MESSAGE.format(tries_left=outcome.tries_left))
        if outcome.retry_at is not None:
            lead = NUMBER_THROTTLE_MESSAGE if outcome.throttle == "number" else OFFICIAL_THROTTLE_MESSAGE
            messages.append(f"{lead}{retry_phrase(outcome.retry_at)}")
        for message in messages:
            self.add_error(None, message)


class InboxSearchForm(forms.Form):
    q = forms.CharField(
        label="保証契約番号・工事名・受注者で検索",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def search(self) -> str:
        return self.cleaned_data["q"] if self.is_valid() else ""


def prefilled_number(raw: str) -> str:
    """The number of a link (the QR code on the key notice), normalised when that makes it valid."""
    raw = raw[:64]
    number = normalize(raw)
    return number if is_well_formed(number) else raw


def retry_phrase(retry_at) -> str:
    """「15時42分以降に再度お試しください。」 in local time, rounded up to the minute, with the date when it
    is not today."""
    local = timezone.localtime(retry_at)
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
    when = f"{local.hour}時{local.minute:02d}分"
    if local.date() != timezone.localdate():
        when = f"{local.month}月{local.day}日{when}"
    return f"{when}以降に再度お試しください。"


class NoticeSettingsForm(forms.Form):
    notify_by_email = forms.BooleanField(
        label="通知を電子メールでも受け取る（登録されたメールアドレス宛て。認証キーは記載されません）",
        required=False,
    )
