namespace Archive.Data.Specimens;

/// <summary>
/// Who may see a specimen, and everything under it (revisions, circuits, claims, evidence runs, files): the one rule
/// every page and endpoint filters by. Without accounts, the public sees published specimens and retracted ones (whose
/// pages say why); drafts and specimens in review are seen by no page or endpoint. Listings show published ones only.
/// </summary>
public static class SpecimenVisibility
{
    /// <summary>Statuses whose specimens anyone may open. Use as <c>Viewable.Contains(x.Specimen.Status)</c> inside queries.</summary>
    public static readonly SpecimenStatus[] Viewable = [SpecimenStatus.Published, SpecimenStatus.Retracted];

    /// <summary>Statuses whose specimens lists, search and counts show.</summary>
    public static readonly SpecimenStatus[] Listed = [SpecimenStatus.Published];
}
