package awsglacier

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glacier/types"

	"github.com/firnstore/firn"
)

// The conversions below go both ways because a select job's parameters and
// output location are sent with InitiateJob and echoed by DescribeJob and
// ListJobs. Each keeps nil pointers, slices and maps nil, and maps "" to an
// absent member.

func selectToSDK(p *firn.SelectParameters) *types.SelectParameters {
	if p == nil {
		return nil
	}
	out := &types.SelectParameters{
		ExpressionType: types.ExpressionType(p.ExpressionType),
		Expression:     optional(p.Expression),
	}
	if in := p.InputSerialization; in != nil {
		out.InputSerialization = &types.InputSerialization{}
		if c := in.CSV; c != nil {
			out.InputSerialization.Csv = &types.CSVInput{
				FileHeaderInfo:       types.FileHeaderInfo(c.FileHeaderInfo),
				Comments:             optional(c.Comments),
				QuoteEscapeCharacter: optional(c.QuoteEscapeCharacter),
				RecordDelimiter:      optional(c.RecordDelimiter),
				FieldDelimiter:       optional(c.FieldDelimiter),
				QuoteCharacter:       optional(c.QuoteCharacter),
			}
		}
	}
	if o := p.OutputSerialization; o != nil {
		out.OutputSerialization = &types.OutputSerialization{}
		if c := o.CSV; c != nil {
			out.OutputSerialization.Csv = &types.CSVOutput{
				QuoteFields:          types.QuoteFields(c.QuoteFields),
				QuoteEscapeCharacter: optional(c.QuoteEscapeCharacter),
				RecordDelimiter:      optional(c.RecordDelimiter),
				FieldDelimiter:       optional(c.FieldDelimiter),
				QuoteCharacter:       optional(c.QuoteCharacter),
			}
		}
	}
	return out
}

func selectFromSDK(p *types.SelectParameters) *firn.SelectParameters {
	if p == nil {
		return nil
	}
	out := &firn.SelectParameters{
		ExpressionType: string(p.ExpressionType),
		Expression:     aws.ToString(p.Expression),
	}
	if in := p.InputSerialization; in != nil {
		out.InputSerialization = &firn.InputSerialization{}
		if c := in.Csv; c != nil {
			out.InputSerialization.CSV = &firn.CSVInput{
				FileHeaderInfo:       string(c.FileHeaderInfo),
				Comments:             aws.ToString(c.Comments),
				QuoteEscapeCharacter: aws.ToString(c.QuoteEscapeCharacter),
				RecordDelimiter:      aws.ToString(c.RecordDelimiter),
				FieldDelimiter:       aws.ToString(c.FieldDelimiter),
				QuoteCharacter:       aws.ToString(c.QuoteCharacter),
			}
		}
	}
	if o := p.OutputSerialization; o != nil {
		out.OutputSerialization = &firn.OutputSerialization{}
		if c := o.Csv; c != nil {
			out.OutputSerialization.CSV = &firn.CSVOutput{
				QuoteFields:          string(c.QuoteFields),
				QuoteEscapeCharacter: aws.ToString(c.QuoteEscapeCharacter),
				RecordDelimiter:      aws.ToString(c.RecordDelimiter),
				FieldDelimiter:       aws.ToString(c.FieldDelimiter),
				QuoteCharacter:       aws.ToString(c.QuoteCharacter),
			}
		}
	}
	return out
}

func outputLocationToSDK(l *firn.OutputLocation) *types.OutputLocation {
	if l == nil {
		return nil
	}
	out := &types.OutputLocation{}
	if s := l.S3; s != nil {
		out.S3 = &types.S3Location{
			BucketName:   optional(s.BucketName),
			Prefix:       optional(s.Prefix),
			CannedACL:    types.CannedACL(s.CannedACL),
			Tagging:      s.Tagging,
			UserMetadata: s.UserMetadata,
			StorageClass: types.StorageClass(s.StorageClass),
			AccessControlList: each(s.AccessControlList, func(g firn.Grant) types.Grant {
				out := types.Grant{Permission: types.Permission(g.Permission)}
				if e := g.Grantee; e != nil {
					out.Grantee = &types.Grantee{
						Type:         types.Type(e.Type),
						DisplayName:  optional(e.DisplayName),
						URI:          optional(e.URI),
						ID:           optional(e.ID),
						EmailAddress: optional(e.EmailAddress),
					}
				}
				return out
			}),
		}
		if e := s.Encryption; e != nil {
			out.S3.Encryption = &types.Encryption{
				EncryptionType: types.EncryptionType(e.EncryptionType),
				KMSKeyId:       optional(e.KMSKeyId),
				KMSContext:     optional(e.KMSContext),
			}
		}
	}
	return out
}

func outputLocationFromSDK(l *types.OutputLocation) *firn.OutputLocation {
	if l == nil {
		return nil
	}
	out := &firn.OutputLocation{}
	if s := l.S3; s != nil {
		out.S3 = &firn.S3Location{
			BucketName:   aws.ToString(s.BucketName),
			Prefix:       aws.ToString(s.Prefix),
			CannedACL:    string(s.CannedACL),
			Tagging:      s.Tagging,
			UserMetadata: s.UserMetadata,
			StorageClass: string(s.StorageClass),
			AccessControlList: each(s.AccessControlList, func(g types.Grant) firn.Grant {
				out := firn.Grant{Permission: string(g.Permission)}
				if e := g.Grantee; e != nil {
					out.Grantee = &firn.Grantee{
						Type:         string(e.Type),
						DisplayName:  aws.ToString(e.DisplayName),
						URI:          aws.ToString(e.URI),
						ID:           aws.ToString(e.ID),
						EmailAddress: aws.ToString(e.EmailAddress),
					}
				}
				return out
			}),
		}
		if e := s.Encryption; e != nil {
			out.S3.Encryption = &firn.Encryption{
				EncryptionType: string(e.EncryptionType),
				KMSKeyId:       aws.ToString(e.KMSKeyId),
				KMSContext:     aws.ToString(e.KMSContext),
			}
		}
	}
	return out
}
