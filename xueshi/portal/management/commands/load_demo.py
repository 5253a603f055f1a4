from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xueshi.portal.demo import load_demo


class Command(BaseCommand):
    help = (
        "为五个示范地区（安阳、河南、广西、浙江建设、新疆）建立演示机构、管理员和专业技术人员，"
        "以及各个环节的演示申报（--empty 则不建申报），并打印登录账号。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--empty",
            action="store_true",
            help="只建机构和人员，不建演示申报和学时记录（空白开始）。",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        claims = not options["empty"]
        logins = load_demo(claims=claims)
        self.stdout.write(
            self.style.SUCCESS("演示数据已就绪。演示账号（登录页的验证码照图输入）：")
        )
        width = max(len(login.username) for login in logins)
        current = None
        for login in logins:
            if login.region != current:
                current = login.region
                self.stdout.write(f"\n[{current}]")
            username = login.username.ljust(width)
            self.stdout.write(f"  {username}  {login.password:<12}  {login.role:<16} {login.who}")
        self.stdout.write("")
        if claims:
            self.stdout.write(
                "已载入演示申报：每个地区都有待提交、各级待审核、已退回、不予认定、通过认定和"
                "通过后删除的申报（今年和去年），以及公需科目学时记录。"
                "空白开始请用 load_demo --empty（make run EMPTY=1）。"
            )
        else:
            self.stdout.write("空白开始：未载入演示申报（--empty）。")
