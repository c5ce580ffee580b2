"""Publishing: the brand's own posts. Drafts and variants (`drafts`), times, queue slots and the calendar
(`schedule`), cadence goals, gap warnings and best times (`cadence`), the content mix classifier
(`classify`) and report (`mix`), CSV import (`importing`). State changes go through goodwill.actions.posts;
the publish job is goodwill.jobs.publish. Guide: docs/publishing.md."""

from goodwill.publishing.classify import Category, Classification, MixKind, classify_post

__all__ = ["Category", "Classification", "MixKind", "classify_post"]
