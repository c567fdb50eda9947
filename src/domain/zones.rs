//! Local time for regions: the time zone a region's users most likely live in (the default for
//! business hours). Instants in a zone are formatted by `format`. Pure: the tz database is
//! bundled into the binary (jiff's tzdb-bundle).

use jiff::tz::TimeZone;

/// Where an AWS region's users most likely are; UTC for regions not listed.
pub fn region_zone_name(region: &str) -> &'static str {
    match region {
        "us-east-1" | "us-east-2" | "us-gov-east-1" => "America/New_York",
        "us-west-1" | "us-west-2" | "us-gov-west-1" => "America/Los_Angeles",
        "ca-central-1" => "America/Toronto",
        "ca-west-1" => "America/Edmonton",
        "mx-central-1" => "America/Mexico_City",
        "sa-east-1" => "America/Sao_Paulo",
        "eu-west-1" => "Europe/Dublin",
        "eu-west-2" => "Europe/London",
        "eu-west-3" => "Europe/Paris",
        "eu-central-1" => "Europe/Berlin",
        "eu-central-2" => "Europe/Zurich",
        "eu-north-1" => "Europe/Stockholm",
        "eu-south-1" => "Europe/Rome",
        "eu-south-2" => "Europe/Madrid",
        "il-central-1" => "Asia/Jerusalem",
        "me-south-1" => "Asia/Bahrain",
        "me-central-1" => "Asia/Dubai",
        "af-south-1" => "Africa/Johannesburg",
        "ap-south-1" | "ap-south-2" => "Asia/Kolkata",
        "ap-east-1" => "Asia/Hong_Kong",
        "ap-southeast-1" => "Asia/Singapore",
        "ap-southeast-2" => "Australia/Sydney",
        "ap-southeast-3" => "Asia/Jakarta",
        "ap-southeast-4" => "Australia/Melbourne",
        "ap-southeast-5" => "Asia/Kuala_Lumpur",
        "ap-southeast-7" => "Asia/Bangkok",
        "ap-northeast-1" | "ap-northeast-3" => "Asia/Tokyo",
        "ap-northeast-2" => "Asia/Seoul",
        "cn-north-1" | "cn-northwest-1" => "Asia/Shanghai",
        _ => "UTC",
    }
}

pub fn region_zone(region: &str) -> TimeZone {
    TimeZone::get(region_zone_name(region)).unwrap_or(TimeZone::UTC)
}

/// A zone's IANA name, or its offset when it has none.
pub fn zone_label(tz: &TimeZone) -> String {
    tz.iana_name().map_or_else(|| "UTC".to_string(), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_region_has_a_real_zone() {
        for r in ["us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1", "ap-northeast-2", "cn-north-1"] {
            assert_ne!(region_zone_name(r), "UTC");
            assert!(TimeZone::get(region_zone_name(r)).is_ok(), "{r}");
        }
        assert_eq!(region_zone_name("xx-nowhere-9"), "UTC");
    }
}
